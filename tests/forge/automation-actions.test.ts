// The Automation rule steps for real: the bundled handlers' code on the real companion over HTTP and
// a real REST datasource, @forge/api stubbed at its boundary (its Jira answers from the same issue
// store that a loopback Jira server serves the companion). A step either writes, with the token the
// Forge docs call for (Edit issue as the rule's user; a read-only configuration through the app field
// value API as the app, after the user's EDIT_ISSUES is confirmed), or fails with a message and
// writes nothing.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { platformState } from './support/forge-platform-state.js';
import { ISSUE, PROJECT, USER } from './support/forge-test-env.js';
import { FIRST_CITY, startJiraBackedEnv, type JiraBackedEnv } from './support/jira-backed-env.js';
import { CITY_FIELD, COUNTRY_FIELD } from '../../scripts/demo/country-city-config.js';

vi.mock('@forge/api', async (importOriginal) => (await import('./support/forge-module-stubs.js')).forgeApiStub(await importOriginal()));
vi.mock('@forge/kvs', async () => ({ kvs: (await import('./support/forge-module-stubs.js')).kvsStub }));

const handlers = await import('../../src/index.js');
type Step = (event: unknown, context?: unknown) => Promise<{ errors?: Array<{ message: string }> }>;

/** How Automation invokes an action's function: the step's inputs as `payload`, for the connection's user. */
async function runStep(functionKey: 'automation-set' | 'automation-refresh', inputs: Record<string, unknown>, accountId = USER) {
  platformState.functionKey = functionKey;
  platformState.accountId = accountId;
  const step = (functionKey === 'automation-set' ? handlers.setConnectedField : handlers.refreshConnectedFields) as Step;
  return step({ payload: inputs }, { principal: { accountId }, installContext: 'ari:cloud:jira::site/cloud-1' });
}

describe('Automation actions against a real companion', () => {
  let jiraBacked: JiraBackedEnv;
  let computedKey: string;
  beforeAll(async () => {
    jiraBacked = await startJiraBackedEnv(handlers);
    computedKey = await jiraBacked.createField(FIRST_CITY);
  });
  afterAll(async () => jiraBacked?.close());
  beforeEach(async () => {
    await jiraBacked.reset();
    platformState.issues.set(ISSUE.key, { id: ISSUE.id, key: ISSUE.key, projectId: PROJECT.id, projectKey: PROJECT.key, issueTypeId: ISSUE.typeId });
    platformState.issueFields.set(ISSUE.key, { [COUNTRY_FIELD]: { id: 'DE', value: 'Germany' }, [CITY_FIELD]: { id: 'ber', value: 'Berlin' }, [computedKey]: 'Berlin' });
  });
  const stored = () => platformState.issueFields.get(ISSUE.key);

  it('"Set connected field" by display text writes the option and clears the dependent that no longer fits, as the rule\'s user', async () => {
    platformState.issueEditors.add(`${USER}:${ISSUE.id}`);
    const result = await runStep('automation-set', { issueKey: ISSUE.key, field: COUNTRY_FIELD, value: 'france', matchBy: 'text' });
    expect(result).toEqual({});
    expect(platformState.remoteCalls).toEqual([{ moduleKey: 'automation-set', method: 'POST', path: `/v1/fields/${COUNTRY_FIELD}/resolve` }]);
    expect(platformState.jiraWrites).toEqual([
      { as: 'user', method: 'PUT', path: `/rest/api/3/issue/${ISSUE.key}`, body: { fields: { [COUNTRY_FIELD]: { id: 'FR', value: 'France' }, [CITY_FIELD]: null } } },
      { as: 'app', method: 'PUT', path: `/rest/api/3/app/field/${computedKey}/value`, body: { updates: [{ issueIds: [Number(ISSUE.id)], value: 'Paris' }] } },
    ]);
    expect(stored()).toEqual({ [COUNTRY_FIELD]: { id: 'FR', value: 'France' }, [CITY_FIELD]: null, [computedKey]: 'Paris' });
    // The companion read the dependents' current values from Jira with the user's token, naming only them.
    expect(platformState.companionJiraReads).toEqual([{ path: `/rest/api/3/issue/${ISSUE.id}?fields=${encodeURIComponent([CITY_FIELD, computedKey].join(','))}`, authorization: `Bearer user-token-${USER}` }]);
  });

  it('"Set connected field" by id keeps a dependent that still fits', async () => {
    platformState.issueFields.set(ISSUE.key, { [COUNTRY_FIELD]: null, [CITY_FIELD]: { id: 'ber', value: 'Berlin' }, [computedKey]: 'Berlin' });
    const result = await runStep('automation-set', { issueKey: ISSUE.key, field: COUNTRY_FIELD, value: 'DE', matchBy: 'id' });
    expect(result).toEqual({});
    expect(platformState.jiraWrites).toEqual([{ as: 'user', method: 'PUT', path: `/rest/api/3/issue/${ISSUE.key}`, body: { fields: { [COUNTRY_FIELD]: { id: 'DE', value: 'Germany' } } } }]);
  });

  it('fails the step with a clear message and writes nothing when the value is not among the options for that issue', async () => {
    const before = structuredClone(stored());
    const byText = await runStep('automation-set', { issueKey: ISSUE.key, field: CITY_FIELD, value: 'Paris', matchBy: 'text' });
    expect(byText.errors?.[0]?.message).toMatch(/"Paris" is not among the options of this field for this issue.*nothing was changed/);
    const byId = await runStep('automation-set', { issueKey: ISSUE.key, field: COUNTRY_FIELD, value: 'XX', matchBy: 'id' });
    expect(byId.errors?.[0]?.message).toMatch(/"XX" is not the id of an option/);
    expect(platformState.jiraWrites).toEqual([]);
    expect(stored()).toEqual(before);
  });

  it('refuses bad inputs and issues the user cannot see before anything is computed or written', async () => {
    const fails = async (inputs: Record<string, unknown>, message: RegExp) => expect((await runStep('automation-set', inputs)).errors?.[0]?.message).toMatch(message);
    await fails({ issueKey: 'not a key', field: COUNTRY_FIELD, value: 'FR', matchBy: 'id' }, /not a work item key/);
    await fails({ issueKey: ISSUE.key, field: 'summary', value: 'FR', matchBy: 'id' }, /not a connected field id/);
    await fails({ issueKey: ISSUE.key, field: COUNTRY_FIELD, value: 'FR', matchBy: 'name' }, /Match by must be "id" or "text"/);
    await fails({ issueKey: 'DEMO-404', field: COUNTRY_FIELD, value: 'FR', matchBy: 'id' }, /does not exist or the rule's user may not see it/);
    expect(platformState.remoteCalls).toEqual([]);
    expect(platformState.jiraWrites).toEqual([]);
  });

  it('"Refresh connected fields" updates a stale display text and what depends on it; nothing when all is fresh', async () => {
    platformState.issueEditors.add(`${USER}:${ISSUE.id}`);
    platformState.issueFields.set(ISSUE.key, { [COUNTRY_FIELD]: { id: 'FR', value: 'La France' }, [CITY_FIELD]: { id: 'ber', value: 'Berlin' }, [computedKey]: 'Berlin' });
    expect(await runStep('automation-refresh', { issueKey: ISSUE.key, fields: COUNTRY_FIELD })).toEqual({});
    expect(platformState.remoteCalls).toEqual([{ moduleKey: 'automation-refresh', method: 'POST', path: '/v1/fields/refresh' }]);
    expect(stored()).toEqual({ [COUNTRY_FIELD]: { id: 'FR', value: 'France' }, [CITY_FIELD]: null, [computedKey]: 'Paris' });
    platformState.jiraWrites = [];
    expect(await runStep('automation-refresh', { issueKey: ISSUE.key })).toEqual({});
    expect(platformState.jiraWrites).toEqual([]);
  });

  it('writes a read-only value as the app only for a user Jira lets edit the issue', async () => {
    platformState.issueFields.set(ISSUE.key, { [COUNTRY_FIELD]: { id: 'JP', value: 'Japan' }, [CITY_FIELD]: null, [computedKey]: 'Berlin' });
    const refused = await runStep('automation-refresh', { issueKey: ISSUE.key, fields: computedKey });
    expect(refused.errors?.[0]?.message).toMatch(/may not edit DEMO-1.*nothing was written/);
    expect(platformState.jiraWrites).toEqual([]);
    platformState.issueEditors.add(`${USER}:${ISSUE.id}`);
    expect(await runStep('automation-refresh', { issueKey: ISSUE.key, fields: computedKey })).toEqual({});
    expect(platformState.jiraWrites.map((w) => w.as)).toEqual(['app']);
    expect(stored()?.[computedKey]).toBe('Tokyo');
  });

  it('fails the step, writing nothing, while the companion is down', async () => {
    platformState.companionUrl = 'http://127.0.0.1:1';
    const result = await runStep('automation-refresh', { issueKey: ISSUE.key });
    expect(result.errors?.[0]?.message).toMatch(/could not be reached/);
    expect(platformState.jiraWrites).toEqual([]);
  });
});
