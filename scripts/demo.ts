// npm run demo: open-connect end to end on a laptop, no Atlassian account. A companion on its
// embedded database, a sample REST service as the customer's system, a local stand-in for the
// Forge platform (token signing, storage), and the app's REAL resolvers and UI Kit components.
// An admin configures the tenant, then a user edits an issue; we print what each would see.
import '../tests/forge/support/fake-bridge.js'; // the UI Kit host: must exist before @forge/bridge loads
import React from 'react';
import { act } from 'react-test-renderer';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../companion/config.js';
import { startCompanion } from '../companion/start-companion.js';
import { ForgeTokenIssuer, TEST_APP_ID } from '../tests/helpers/forge-tokens.js';
import { bridge, resetBridge } from '../tests/forge/support/fake-bridge.js';
import { render, settle, byType } from '../tests/forge/support/render-ui.js';
import { buildAdminResolver, buildFieldResolver } from '../forge/resolvers/build-resolvers.js';
import { startSampleRestDatasource } from './demo/sample-rest-datasource.js';
import { configureSampleTenant, CITY_FIELD, COUNTRY_FIELD } from './demo/country-city-config.js';
import { localForgePlatform } from './demo/local-forge-platform.js';
import { printUi } from './demo/print-ui.js';
import { buildAutomationActions } from '../forge/automation/automation-actions.js';
import { startJiraRestServer } from '../tests/forge/support/jira-rest-server.js';

const ADMIN = 'demo-admin';
const USER = 'demo-user';
const ISSUE = { id: '10100', key: 'DEMO-1', typeId: '10001' };
const PROJECT = { id: '10000', key: 'DEMO' };
const say = (line = '') => console.log(line);

const issuer = await ForgeTokenIssuer.start();
const sample = await startSampleRestDatasource();
const dataDir = await mkdtemp(join(tmpdir(), 'open-connect-demo-'));
const config = loadConfig({ FORGE_APP_ID: TEST_APP_ID, FORGE_JWKS_URL: issuer.jwksUrl, COMPANION_EGRESS_ALLOW: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
const companion = await startCompanion(config, { jobs: false, logger: { level: 'warn' } });
const url = await companion.app.listen({ port: 0, host: '127.0.0.1' });
say(`Companion on ${url} (embedded Postgres), sample REST service on ${sample.url}`);

const platform = localForgePlatform({
  issuer,
  companionUrl: url,
  admins: [ADMIN],
  installationId: 'demo-site',
  issues: [{ id: ISSUE.id, key: ISSUE.key, projectId: PROJECT.id, projectKey: PROJECT.key, issueTypeId: ISSUE.typeId }],
});
// The site's Jira as the companion reaches it (parent and current values for Automation steps).
const jira = await startJiraRestServer(platform.jira);
platform.jiraUrl = jira.url;
const handlers = { 'admin-resolver': buildAdminResolver(platform).getDefinitions(), 'field-resolver': buildFieldResolver(platform).getDefinitions() };
type Envelope = { ok: boolean; data?: unknown; error?: { message: string } };
async function invoke(functionKey: keyof typeof handlers, definition: string, payload: Record<string, unknown>, accountId: string, extension: Record<string, unknown> = {}) {
  platform.current = { functionKey };
  // Forge puts the module's localId in the context; the admin page builds the field types' ids from it.
  const localId = `ari:cloud:ecosystem::extension/${TEST_APP_ID.split('/').pop()}/demo-environment/static/${functionKey}`;
  return (await handlers[functionKey]({ call: { functionKey: definition, payload }, context: { moduleKey: functionKey, localId, extension } }, { principal: { accountId } })) as Envelope;
}
const admin = async <T>(definition: string, payload: Record<string, unknown> = {}): Promise<T> => {
  const answer = await invoke('admin-resolver', definition, payload, ADMIN);
  if (!answer.ok) throw new Error(`${definition}: ${answer.error?.message}`);
  return answer.data as T;
};

try {
  // The platform delivers the installed event (as documented) to the lifecycle endpoint.
  platform.current = { functionKey: 'companion-lifecycle' };
  const installed = { eventType: 'avi:forge:installed:app', id: 'demo-installation', installerAccountId: ADMIN, app: { id: 'demo-app', version: '1.0.0' } };
  await platform.invokeRemote('companion', { path: '/v1/lifecycle', method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(installed) });

  say('\n== The admin configures open-connect (admin page → admin-resolver → companion)');
  const refused = await invoke('admin-resolver', 'datasources/list', {}, USER);
  say(`  a non-admin opening the admin resolver gets: ${refused.error?.message}`);
  const setup = await configureSampleTenant(admin, sample.url);
  const tested = await admin<{ ok: boolean; ms: number; message: string }>('datasources/test', { id: setup.datasource.id });
  say(`  datasource "${setup.datasource.name}": test connection ok=${tested.ok} (${tested.message})`);
  say(`  fields: the admin page created the Jira fields Country (${COUNTRY_FIELD}) and City (${CITY_FIELD}); City depends on ${setup.city.dependsOn.join(', ')}`);
  for (const f of platform.site.list()) say(`    Jira now has ${f.id} "${f.name}" of type ${f.schema?.custom}`);
  const more = await admin<{ key: string }>('fields/create', {
    jiraField: { create: true },
    field: { name: 'Customer country', datasourceId: setup.datasource.id, editor: 'autocomplete', storage: 'snapshot', query: 'GET /countries?q=$userInput', resultPath: '$.countries[*]', displayTemplate: '${row.name}' },
  });
  say(`  …and as many more as needed: "Customer country" is ${more.key}, a snapshot field; add each to its screens and contexts in Jira`);
  const item = await admin<{ id: string }>('items/create', {
    item: { key: 'connected_item_1', name: 'Office country', datasourceId: setup.datasource.id, editor: 'select', query: 'GET /countries', resultPath: '$.countries[*]', idTemplate: '${row.code}', displayTemplate: '${row.name}', attributes: { code: '${row.code}' } },
  });
  const mappings = await admin<{ version: number }>('mappings/get');
  await admin('mappings/put', { document: { version: mappings.version, mappings: [{ itemId: item.id, projectId: PROJECT.id, issueTypeIds: [ISSUE.typeId], requestTypeIds: [], hidden: false }] } });
  const preview = await admin<{ evaluatedQuery: { text: string }; options: Array<{ value: string }>; timings: { totalMs: number } }>('fields/preview', {
    id: setup.city.id,
    overrides: { [COUNTRY_FIELD]: { id: 'JP', value: 'Japan' } },
  });
  say(`  configuration tester, City with Country=Japan: ${preview.evaluatedQuery.text} → ${preview.options.map((o) => o.value).join(', ')} in ${preview.timings.totalMs.toFixed(1)} ms`);

  say('\n== A user edits DEMO-1 (field edit UI → field-resolver → companion → REST service)');
  const { FieldEdit } = await import('../forge/ui/field-edit.js');
  const { FieldView } = await import('../forge/ui/field-view.js');
  const { IssuePanel } = await import('../forge/ui/issue-panel.js');
  const open = async (fieldId: string, fieldValue: unknown, element: React.ReactElement) => {
    const extension = { fieldId, fieldValue, issue: ISSUE, project: PROJECT, renderContext: 'issue-view' };
    bridge.context = { accountId: USER, extension };
    bridge.invoke = (definition, payload) => invoke('field-resolver', definition, payload, USER, extension);
    const r = await render(element);
    await settle(r, (root) => byType(root, 'Select').length > 0 || byType(root, 'Tag').length > 0 || JSON.stringify(r.toJSON()).includes('"Text"') && !JSON.stringify(r.toJSON()).includes('Loading'));
    return r;
  };
  resetBridge({}, async () => undefined);
  const city = await open(CITY_FIELD, { id: 'ber', value: 'Berlin' }, React.createElement(FieldEdit));
  const country = await open(COUNTRY_FIELD, null, React.createElement(FieldEdit));
  await settle(country, (root) => (byType(root, 'Select')[0]?.props.options.length ?? 0) > 0);
  say('  The issue holds City = Berlin and no Country yet:');
  say(printUi(country.toJSON()));
  say(printUi(city.toJSON()));

  say('\n  The user picks France as Country; City recalculates:');
  await act(async () => byType(country.root, 'Select')[0]!.props.onChange({ label: 'France', value: 'FR' }));
  await settle(city, (root) => byType(root, 'ErrorMessage').length > 0);
  say(printUi(city.toJSON()));

  say('\n  The user picks Paris and saves both fields:');
  await act(async () => byType(city.root, 'Select')[0]!.props.onChange({ label: 'Paris', value: 'par' }));
  await act(async () => byType(country.root, 'CustomFieldEdit')[0]!.props.onSubmit());
  await act(async () => byType(city.root, 'CustomFieldEdit')[0]!.props.onSubmit());
  const [savedCountry, savedCity] = bridge.submitted;
  say(`    Jira stores Country = ${JSON.stringify(savedCountry)}, City = ${JSON.stringify(savedCity)}`);

  const panel = await open('', null, React.createElement(IssuePanel));
  await settle(panel, (root) => byType(root, 'Button').length > 0);
  say('\n  The issue panel (connected items mapped to DEMO / this issue type):');
  say(printUi(panel.toJSON()));
  const button = (label: string) => byType(panel.root, 'Button').find((b) => b.props.children === label)!;
  await act(async () => button('Edit').props.onClick());
  await settle(panel, (root) => byType(root, 'Select').length > 0);
  await act(async () => byType(panel.root, 'Select')[0]!.props.onChange({ label: 'Japan', value: 'JP' }));
  await act(async () => button('Save').props.onClick());
  await settle(panel, (root) => byType(root, 'Select').length === 0 && !JSON.stringify(panel.toJSON()).includes('None'));
  say('  …after choosing Japan (the companion stores item values, with their attributes):');
  say(printUi(panel.toJSON()));

  say('\n== An Automation rule step: "Set connected field" Country = "japan" (by display text) on {{issue.key}}');
  platform.jira.issueFields.set(ISSUE.key, { [COUNTRY_FIELD]: savedCountry, [CITY_FIELD]: savedCity });
  const automation = buildAutomationActions(platform);
  const step = async (inputs: Record<string, string>) => {
    // Automation invokes the action's function with the step's inputs, for the rule's connection user.
    platform.current = { functionKey: 'automation-set' };
    platform.accountId = USER;
    const result = await automation.setConnectedField({ payload: inputs }, { principal: { accountId: USER } });
    platform.accountId = undefined;
    return result;
  };
  const done = await step({ issueKey: ISSUE.key, field: COUNTRY_FIELD, value: 'japan', matchBy: 'text' });
  say(`    step result: ${JSON.stringify(done)}; Jira writes: ${platform.jiraWrites.join('; ')}`);
  say(`    DEMO-1 now holds Country = ${JSON.stringify(platform.jira.issueFields.get(ISSUE.key)?.[COUNTRY_FIELD])}, City = ${JSON.stringify(platform.jira.issueFields.get(ISSUE.key)?.[CITY_FIELD])} (Paris is no city of Japan)`);
  const writes = platform.jiraWrites.length;
  const failed = await step({ issueKey: ISSUE.key, field: COUNTRY_FIELD, value: 'Atlantis', matchBy: 'text' });
  say(`    the same step with "Atlantis" fails the rule: ${failed.errors?.[0]?.message} (writes: ${platform.jiraWrites.length - writes})`);

  const egress = await admin<{ categories: Array<{ name: string; storedIn: string; count: number | null }> }>('support/egress');
  say('\n== Egress report (what is stored where):');
  for (const c of egress.categories) say(`    ${c.name.padEnd(12)} ${c.storedIn.padEnd(28)} ${c.count ?? '—'}`);

  say('\n== The companion goes down; the field views still render from Jira’s value and Forge storage:');
  await companion.stop();
  platform.remoteCalls.length = 0;
  const countryView = await open(COUNTRY_FIELD, savedCountry, React.createElement(FieldView));
  const cityView = await open(CITY_FIELD, savedCity, React.createElement(FieldView));
  say(`    Country: ${printUi(countryView.toJSON(), '').trim()}    City: ${printUi(cityView.toJSON(), '').trim()}    (companion calls: ${platform.remoteCalls.length})`);
} finally {
  await companion.stop().catch(() => undefined);
  await sample.close();
  await jira.close();
  await issuer.stop();
  await rm(dataDir, { recursive: true, force: true });
}
