// The value function of the connected field types and the `connectedValue` JQL function, for real:
// the bundled handlers' code on the real companion over HTTP and a real REST datasource, @forge/api
// stubbed at its boundary. Both run as the app with no user (Forge: a value function may not use
// asUser; a JQL precomputation is shared by every user): the companion reads parent values from the
// loopback Jira with the app's token.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { platformState } from './support/forge-platform-state.js';
import { ISSUE, PROJECT } from './support/forge-test-env.js';
import { FIRST_CITY, startJiraBackedEnv, type JiraBackedEnv } from './support/jira-backed-env.js';
import { COUNTRY_FIELD } from '../../scripts/demo/country-city-config.js';

vi.mock('@forge/api', async (importOriginal) => (await import('./support/forge-module-stubs.js')).forgeApiStub(await importOriginal()));
vi.mock('@forge/kvs', async () => ({ kvs: (await import('./support/forge-module-stubs.js')).kvsStub }));

const handlers = await import('../../src/index.js');
const OTHER = { id: '10101', key: 'DEMO-2' };
const EMPTY = { id: '10102', key: 'DEMO-3' };

describe('value function and JQL function against a real companion', () => {
  let jiraBacked: JiraBackedEnv;
  let computedKey: string;
  let snapshotKey: string;
  beforeAll(async () => {
    jiraBacked = await startJiraBackedEnv(handlers);
    computedKey = await jiraBacked.createField(FIRST_CITY);
    snapshotKey = await jiraBacked.createField({ name: 'Origin', editor: 'select', storage: 'snapshot', query: 'GET /countries', resultPath: '$.countries[*]' });
  });
  afterAll(async () => jiraBacked?.close());
  beforeEach(async () => {
    await jiraBacked.reset();
    for (const [issue, country] of [[ISSUE, { id: 'DE', value: 'Germany' }], [OTHER, { id: 'JP', value: 'Japan' }], [EMPTY, null]] as const) {
      platformState.issues.set(issue.key, { id: issue.id, key: issue.key, projectId: PROJECT.id, projectKey: PROJECT.key, issueTypeId: '10001' });
      platformState.issueFields.set(issue.key, { [COUNTRY_FIELD]: country });
    }
  });

  /** What Jira sends a value function (Forge docs, "Value function"). */
  const valueEvent = (fieldKey: string) => ({
    field: { id: fieldKey, key: 'app__DEVELOPMENT__open-connect-snapshot-field', type: 'ari:cloud:ecosystem::extension/app/env/static/open-connect-snapshot-field', name: 'First city' },
    issues: [
      { id: Number(ISSUE.id), context: 10136, value: 'Munich' },
      { id: Number(OTHER.id), context: 10136, value: null },
      { id: Number(EMPTY.id), context: 10136, value: 'kept' },
    ],
    contexts: [{ id: '10136', configuration: null }],
  });
  const runValue = (fieldKey: string) => {
    platformState.functionKey = 'field-value';
    platformState.accountId = undefined;
    return handlers.connectedFieldValue(valueEvent(fieldKey));
  };

  it('computes a read-only value per issue, in order, as the app; an issue with nothing to compute from gets none', async () => {
    expect(await runValue(computedKey)).toEqual(['Berlin', 'Tokyo', null]);
    expect(platformState.remoteCalls).toEqual([{ moduleKey: 'field-value', method: 'POST', path: `/v1/fields/${computedKey}/values` }]);
    // No user in the body, and the parents were read with the app's token, naming only the parent.
    expect(platformState.remoteBodies).toEqual([{ issues: [{ id: ISSUE.id }, { id: OTHER.id }, { id: EMPTY.id }] }]);
    expect(new Set(platformState.companionJiraReads.map((r) => r.authorization))).toEqual(new Set(['Bearer app-system-token']));
    expect(platformState.companionJiraReads.map((r) => r.path)).toContain(`/rest/api/3/issue/${ISSUE.id}?fields=${COUNTRY_FIELD}`);
  });

  it('keeps the stored values while the companion is down, and never computes a field a person picks', async () => {
    expect(await runValue(COUNTRY_FIELD)).toEqual(['Munich', null, 'kept']);
    expect(platformState.remoteCalls).toEqual([]);
    platformState.companionUrl = 'http://127.0.0.1:1';
    expect(await runValue(computedKey)).toEqual(['Munich', null, 'kept']);
  });

  /** What Jira sends a JQL function (Jira docs, "Custom JQL functions"). */
  const runJql = (args: string[], operator = 'in') => {
    platformState.functionKey = 'jql-functions';
    platformState.accountId = undefined;
    return handlers.connectedValueJql({ precomputationId: 'b1c1a3e0-0000-4000-8000-000000000001', clause: { field: 'issue', type: ['issue'], operator, functionName: 'connectedValue', arguments: args } });
  };

  it('turns a text into a search on the ids of the options it finds, by field name or id', async () => {
    expect(await runJql(['Country', 'an'])).toEqual({ jql: '"Country".ConnectedId in ("FR", "DE", "JP")' });
    expect(await runJql([COUNTRY_FIELD, 'fr'], 'not in')).toEqual({ jql: '"Country".ConnectedId not in ("FR")' });
    expect(await runJql(['country', 'atlantis'])).toEqual({ jql: 'issuekey is EMPTY' });
    expect(platformState.remoteCalls.every((c) => c.moduleKey === 'jql-functions' && c.path === `/v1/fields/${COUNTRY_FIELD}/jql`)).toBe(true);
    expect(platformState.remoteBodies[0]).toEqual({ input: 'an' });
  });

  it('answers an error Jira shows for what it cannot search', async () => {
    expect(await runJql(['Origin', 'fr'])).toEqual({ error: expect.stringMatching(/works with object fields; search "Origin" with ~/) });
    expect(await runJql(['Nope', 'fr'])).toEqual({ error: 'connectedValue: "Nope" is not a field of this site' });
    expect(await runJql(['Country'])).toEqual({ error: expect.stringMatching(/needs a connected field and a text/) });
    platformState.companionUrl = 'http://127.0.0.1:1';
    expect(await runJql(['Country', 'fr'])).toEqual({ error: expect.stringMatching(/could not be reached/) });
    expect(snapshotKey).toMatch(/^customfield_/);
  });
});
