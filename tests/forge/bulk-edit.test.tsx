// Bulk edit of an object field (`issue-bulk-edit`): the editor rendered with react-test-renderer, its
// bridge wired to the REAL field resolver, which reaches a real companion (and, for each selected
// issue's parent values, a loopback Jira). The value must be an option for EVERY selected issue, as a
// single edit would check it; only then are the dependents recalculated and written, as the user,
// and the value submitted. Otherwise nothing is written.
import './support/fake-bridge.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import React from 'react';
import { act } from 'react-test-renderer';
import { bridge, resetBridge } from './support/fake-bridge.js';
import { byType, render, settle, textOf } from './support/render-ui.js';
import { callResolver } from './support/call-resolver.js';
import { platformState } from './support/forge-platform-state.js';
import { PROJECT, USER, startForgeTestEnv, type ForgeTestEnv } from './support/forge-test-env.js';
import { startJiraRestServer, type JiraRestServer } from './support/jira-rest-server.js';
import { CITY_FIELD, COUNTRY_FIELD } from '../../scripts/demo/country-city-config.js';

vi.mock('@forge/api', async (importOriginal) => (await import('./support/forge-module-stubs.js')).forgeApiStub(await importOriginal()));
vi.mock('@forge/kvs', async () => ({ kvs: (await import('./support/forge-module-stubs.js')).kvsStub }));

const handlers = await import('../../src/index.js');
const { FieldEdit } = await import('../../forge/ui/field-edit.js');

const ONE = { id: '10100', key: 'DEMO-1', type: 'Task', typeId: '10001' };
const TWO = { id: '10101', key: 'DEMO-2', type: 'Task', typeId: '10001' };
/** What Forge gives an edit experience in bulk edit: the selected issues and projects, no single issue. */
const bulkExtension = (fieldId: string) => ({ fieldId, fieldValue: null, renderContext: 'issue-bulk-edit', experience: 'issue-bulk-edit', issues: [ONE, TWO], projects: [{ ...PROJECT, type: 'software' }] });

describe('bulk edit of an object field', () => {
  let env: ForgeTestEnv;
  let jira: JiraRestServer;
  beforeAll(async () => {
    env = await startForgeTestEnv(handlers);
    jira = await startJiraRestServer(platformState);
  });
  afterAll(async () => {
    await jira?.close();
    await env?.close();
  });
  const countries = (one: string, two: string) => {
    const name = { FR: 'France', DE: 'Germany', JP: 'Japan' } as Record<string, string>;
    platformState.issueFields.set(ONE.key, { [COUNTRY_FIELD]: { id: one, value: name[one] }, [CITY_FIELD]: one === 'DE' ? { id: 'ber', value: 'Berlin' } : null });
    platformState.issueFields.set(TWO.key, { [COUNTRY_FIELD]: { id: two, value: name[two] }, [CITY_FIELD]: two === 'FR' ? { id: 'par', value: 'Paris' } : null });
  };
  beforeEach(async () => {
    await env.reset();
    platformState.jiraUrl = jira.url;
    for (const i of [ONE, TWO]) platformState.issues.set(i.key, { id: i.id, key: i.key, projectId: PROJECT.id, projectKey: PROJECT.key, issueTypeId: i.typeId });
    const extension = bulkExtension(CITY_FIELD);
    resetBridge({ accountId: USER, extension }, async (functionKey, payload) => callResolver(handlers.fieldResolver, 'field-resolver', functionKey, payload, { accountId: USER, extension }));
  });
  const bulkApply = (fieldKey: string, value: unknown) => env.field('field/bulkApply', { fieldKey, value }, { accountId: USER, extension: bulkExtension(fieldKey) });

  it('checks the value against each issue and recalculates only the dependents that no longer fit, as the user', async () => {
    countries('DE', 'FR');
    const answer = await bulkApply(COUNTRY_FIELD, { id: 'FR', value: 'France' });
    expect(answer).toMatchObject({ ok: true, data: { applied: true, problems: [] } });
    // DEMO-1's Berlin does not fit France: cleared; DEMO-2's Paris still fits: untouched.
    expect(platformState.jiraWrites).toEqual([{ as: 'user', method: 'PUT', path: `/rest/api/3/issue/${ONE.key}`, body: { fields: { [CITY_FIELD]: null } } }]);
    expect(platformState.remoteCalls.map((c) => c.path)).toEqual([`/v1/fields/${COUNTRY_FIELD}/resolve`, `/v1/fields/${COUNTRY_FIELD}/resolve`]);
  });

  it('refuses a value that is not an option for one of the issues and writes nothing', async () => {
    countries('FR', 'DE');
    const answer = await bulkApply(CITY_FIELD, { id: 'par', value: 'Paris' });
    expect(answer.data).toEqual({ applied: false, problems: [{ issueKey: TWO.key, message: expect.stringMatching(/"par" is not the id of an option/) }] });
    expect(platformState.jiraWrites).toEqual([]);
  });

  it('the editor shows the first issue\'s options and submits only a value every issue takes', async () => {
    countries('FR', 'DE');
    const r = await render(<FieldEdit />);
    await settle(r, () => byType(r.root, 'Select').length > 0 && (byType(r.root, 'Select')[0]!.props.options as unknown[]).length === 2);
    expect((byType(r.root, 'Select')[0]!.props.options as Array<{ label: string }>).map((o) => o.label)).toEqual(['Paris', 'Lyon']);
    await act(async () => byType(r.root, 'Select')[0]!.props.onChange({ label: 'Paris', value: 'par' }));
    await act(async () => byType(r.root, 'CustomFieldEdit')[0]!.props.onSubmit());
    await settle(r, () => textOf(r).includes('Nothing was changed'));
    expect(textOf(r)).toContain(TWO.key);
    expect(bridge.submitted).toEqual([]);
    countries('FR', 'FR');
    await act(async () => byType(r.root, 'CustomFieldEdit')[0]!.props.onSubmit());
    await settle(r, () => bridge.submitted.length > 0);
    expect(bridge.submitted).toEqual([{ id: 'par', value: 'Paris' }]);
    expect(platformState.jiraWrites).toEqual([]);
  });
});
