// The admin page panels rendered with react-test-renderer, their bridge wired to the REAL admin
// resolver and a real companion: creating a datasource through the form (its secret written, never
// shown), testing the connection, the companion's errors shown to the admin, the configuration
// tester, the egress report and the support export; and a non-admin turned away.
import './support/fake-bridge.js';
import { describe, expect, it, vi } from 'vitest';
import React from 'react';
import { act, type ReactTestInstance, type ReactTestRenderer } from 'react-test-renderer';
import { bridge } from './support/fake-bridge.js';
import { byType, render, settle, textOf } from './support/render-ui.js';
import { platformState } from './support/forge-platform-state.js';
import { USER } from './support/forge-test-env.js';
import { adminPageSuite, asAdminPageUser } from './support/admin-page-suite.js';
import { COUNTRY_FIELD } from '../../scripts/demo/country-city-config.js';

vi.mock('@forge/api', async (importOriginal) => (await import('./support/forge-module-stubs.js')).forgeApiStub(await importOriginal()));
vi.mock('@forge/kvs', async () => ({ kvs: (await import('./support/forge-module-stubs.js')).kvsStub }));

const handlers = await import('../../src/index.js');
const { DatasourcesPanel } = await import('../../forge/ui/admin/datasources-panel.js');
const { FieldsPanel } = await import('../../forge/ui/admin/fields-panel.js');
const { SupportPanel } = await import('../../forge/ui/admin/support-panel.js');

const asUser = (accountId: string) => asAdminPageUser(handlers, accountId);
/** The button with that label in the list row that names `rowText`. */
function rowButton(r: ReactTestRenderer, rowText: string, label: string): ReactTestInstance {
  const row = byType(r.root, 'Inline').find((i) => byType(i, 'Text').some((t) => t.props.children === rowText)) as ReactTestInstance;
  return byType(row, 'Button').find((b) => b.props.children === label) as ReactTestInstance;
}
const button = (r: ReactTestRenderer, label: string) => byType(r.root, 'Button').find((b) => b.props.children === label) as ReactTestInstance;
const click = (r: ReactTestRenderer, label: string) => act(async () => button(r, label).props.onClick());
const type = (r: ReactTestRenderer, name: string, value: string) =>
  act(async () => (byType(r.root, 'Textfield').find((t) => t.props.name === name) as ReactTestInstance).props.onChange({ target: { value } }));
const choose = (r: ReactTestRenderer, id: string, value: string) =>
  act(async () => {
    const select = byType(r.root, 'Select').find((s) => String(s.props.id).endsWith(id)) as ReactTestInstance;
    select.props.onChange((select.props.options as Array<{ value: string }>).find((o) => o.value === value));
  });

describe('admin page through the real admin resolver', () => {
  const env = adminPageSuite(handlers);

  it('creates a datasource from the form, tests it, and never shows its secret', async () => {
    const r = await render(<DatasourcesPanel />);
    await settle(r, () => textOf(r).includes('Sample REST service'));
    await click(r, 'Add datasource');
    await type(r, 'ds-name', 'Billing API');
    await type(r, 'ds-base-url', env.sample.url);
    await type(r, 'ds-test-path', '/health');
    await choose(r, 'ds-auth', 'bearer');
    await type(r, 'ds-secret', 's3cr3t-token-value');
    await click(r, 'Save');
    await settle(r, () => textOf(r).includes('Saved Billing API'));

    const saved = await env.companion.db.datasource.findFirst({ where: { name: 'Billing API' } });
    expect(saved?.config).toMatchObject({ baseUrl: env.sample.url, auth: { mode: 'bearer' } });
    expect(bridge.invocations.find((i) => i.functionKey === 'datasources/create')?.payload).toMatchObject({ datasource: { secrets: { token: 's3cr3t-token-value' } } });
    expect(JSON.stringify(bridge.answers)).toContain('"token":true');
    expect(JSON.stringify(bridge.answers)).not.toContain('s3cr3t-token-value');

    await act(async () => rowButton(r, 'Billing API', 'Edit').props.onClick());
    const secretBox = byType(r.root, 'Textfield').find((t) => t.props.name === 'ds-secret')!;
    expect(secretBox.props.value).toBe('');
    expect(secretBox.props.placeholder).toBe('Set: leave empty to keep it');
    await click(r, 'Cancel');

    await act(async () => rowButton(r, 'Billing API', 'Test connection').props.onClick());
    await settle(r, () => textOf(r).includes('Billing API: connected'));
  });

  it("shows the companion's error when the form is wrong", async () => {
    const r = await render(<DatasourcesPanel />);
    await settle(r, () => textOf(r).includes('Sample REST service'));
    await click(r, 'Add datasource');
    await type(r, 'ds-name', 'Broken');
    await type(r, 'ds-base-url', 'not a url');
    await click(r, 'Save');
    await settle(r, () => byType(r.root, 'SectionMessage').length > 0);
    expect(textOf(r)).toMatch(/baseUrl/);
  });

  it('runs the configuration tester with a parent value and shows query, options and timings', async () => {
    const r = await render(<FieldsPanel />);
    await settle(r, () => textOf(r).includes('City (customfield_10002)'));
    await act(async () => rowButton(r, 'City (customfield_10002)', 'Test').props.onClick());
    const overrides = byType(r.root, 'TextArea').find((t) => t.props.name === 't-overrides')!;
    await act(async () => overrides.props.onChange({ target: { value: JSON.stringify({ [COUNTRY_FIELD]: { id: 'DE', value: 'Germany' } }) } }));
    await click(r, 'Run');
    await settle(r, () => textOf(r).includes('Evaluated query'));
    expect(textOf(r)).toContain('GET /cities?country=DE');
    expect(textOf(r)).toContain('Line 1: $issue.customfield_10001.id = "DE"');
    expect(textOf(r)).toMatch(/Timings \(ms\): .*totalMs/);
    expect(byType(r.root, 'CodeBlock')[0]!.props.text).toContain('Hamburg');
  });

  it('shows the template check\'s warnings, with their lines, once a field is saved', async () => {
    const r = await render(<FieldsPanel />);
    await settle(r, () => textOf(r).includes('City (customfield_10002)'));
    await act(async () => rowButton(r, 'City (customfield_10002)', 'Edit').props.onClick());
    const query = byType(r.root, 'TextArea').find((t) => t.props.name === 'f-query')!;
    await act(async () => query.props.onChange({ target: { value: `#set($c = $issue.${COUNTRY_FIELD}.id)\nGET /cities?country=$c&who=$currentUser.emailAdress` } }));
    await click(r, 'Save');
    await settle(r, () => textOf(r).includes('has no property emailAdress'));
    const warning = byType(r.root, 'SectionMessage').find((m) => m.props.appearance === 'warning')!;
    expect(warning.props.title).toBe('Some template references will render empty');
    expect(byType(warning, 'Text').map((t) => t.props.children).join('\n')).toContain('query, line 2: $currentUser.emailAdress: $currentUser has no property emailAdress');
    expect(textOf(r)).toContain('Saved City.');
  });

  it('shows the egress report and the support export', async () => {
    const r = await render(<SupportPanel />);
    await click(r, 'Show the egress report');
    await settle(r, () => byType(r.root, 'DynamicTable').length > 0);
    // UI Kit's DynamicTable renders its rows as Row and Cell host elements.
    const row = (key: string) => byType(r.root, 'Row').find((x) => x.props.rowKey === key) as ReactTestInstance;
    expect(byType(row('fields'), 'Cell').map((c) => c.props.children)[3]).toBe('2');
    expect(byType(row('fieldValues'), 'Cell').map((c) => c.props.children)[1]).toMatch(/Jira/);
    await click(r, 'Prepare support export');
    await settle(r, () => byType(r.root, 'FileCard').length > 0);
    const blob = (await byType(r.root, 'FileCard')[0]!.props.onDownload()) as Blob;
    const exported = JSON.parse(await blob.text());
    expect(exported.fields.map((f: { key: string }) => f.key).sort()).toEqual(['customfield_10001', 'customfield_10002']);
  });

  it('turns a non-admin away without calling the companion', async () => {
    asUser(USER);
    const r = await render(<DatasourcesPanel />);
    await settle(r, () => byType(r.root, 'SectionMessage').length > 0);
    expect(textOf(r)).toContain('Only Jira administrators');
    expect(platformState.remoteCalls).toEqual([]);
  });
});
