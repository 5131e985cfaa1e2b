// Each connected field configuration is bound to a Jira field of the app's own field types, without
// anyone typing a customfield_ id: the admin page creates the Jira field (POST /rest/api/3/field with
// the type id built from the module's localId), or the admin picks one of the site's fields of that
// type. The real admin resolver and fields panel, a real companion, Jira stubbed at @forge/api.
import './support/fake-bridge.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import React from 'react';
import { act, type ReactTestInstance } from 'react-test-renderer';
import { resetBridge } from './support/fake-bridge.js';
import { byType, render, settle, textOf } from './support/render-ui.js';
import { callResolver, localIdOf } from './support/call-resolver.js';
import { platformState } from './support/forge-platform-state.js';
import { ADMIN, startForgeTestEnv, type ForgeTestEnv } from './support/forge-test-env.js';

vi.mock('@forge/api', async (importOriginal) => (await import('./support/forge-module-stubs.js')).forgeApiStub(await importOriginal()));
vi.mock('@forge/kvs', async () => ({ kvs: (await import('./support/forge-module-stubs.js')).kvsStub }));

const handlers = await import('../../src/index.js');
const { FieldsPanel } = await import('../../forge/ui/admin/fields-panel.js');

const typeId = (key: string) => localIdOf('admin-resolver').replace(/static\/.*$/, `static/${key}`);

describe('binding field configurations to Jira fields of our types', () => {
  let env: ForgeTestEnv;
  let config: Record<string, unknown>;
  beforeAll(async () => {
    env = await startForgeTestEnv(handlers);
    config = { datasourceId: env.config.datasource.id, query: 'GET /countries', resultPath: '$.countries[*]', idTemplate: '${row.code}', displayTemplate: '${row.name}' };
  });
  afterAll(async () => env?.close());
  beforeEach(async () => env.reset());

  const create = (field: Record<string, unknown>, jiraField: Record<string, unknown>) =>
    callResolver(handlers.adminResolver, 'admin-resolver', 'fields/create', { field: { ...config, ...field }, jiraField }, { accountId: ADMIN });

  it("lists only the site's fields of the app's types", async () => {
    platformState.jiraFields.addOther('Story notes');
    const listed = await env.admin<{ fields: Array<{ id: string; name: string; type: string }> }>('jiraFields/list');
    expect(listed.fields).toEqual([
      { id: 'customfield_10001', name: 'Country', type: 'open-connect-object-field' },
      { id: 'customfield_10002', name: 'City', type: 'open-connect-object-field' },
    ]);
  });

  it('creates the Jira field of the type the storage and editor need, and keys the configuration by its id', async () => {
    const answer = await create({ name: 'Cost centers', editor: 'multiselect', storage: 'snapshot' }, { create: true });
    expect(answer.ok).toBe(true);
    const made = platformState.jiraFields.fields.find((f) => f.name === 'Cost centers')!;
    expect(made.schema?.custom).toBe(typeId('open-connect-snapshot-list-field'));
    expect(made.schema?.custom).toMatch(/^ari:cloud:ecosystem::extension\/11111111-2222-3333-4444-555555555555\/[0-9a-f-]+\/static\/open-connect-snapshot-list-field$/);
    expect(answer.data).toMatchObject({ key: made.id, name: 'Cost centers' });
    expect(platformState.jiraCalls).toContain('POST /rest/api/3/field');
    // The binding cannot move later: the stored key wins over a key sent with an update.
    const updated = await env.admin<{ key: string }>('fields/update', { id: answer.data.id, field: { ...config, key: 'customfield_1', version: answer.data.version, name: 'Cost centres', editor: 'multiselect', storage: 'snapshot' } });
    expect(updated.key).toBe(made.id);
    const retyped = await callResolver(handlers.adminResolver, 'admin-resolver', 'fields/update', { id: answer.data.id, field: { ...config, version: 2, name: 'x', editor: 'select', storage: 'snapshot' } }, { accountId: ADMIN });
    expect(retyped).toMatchObject({ ok: false, error: { status: 400 } });
    expect(retyped.error.message).toMatch(/new connected field/);
  });

  it('binds a field the admin created in Jira settings, and refuses any other field', async () => {
    const fromSettings = platformState.jiraFields.create({ name: 'Customer', type: typeId('open-connect-object-field') }).body as { id: string };
    const other = platformState.jiraFields.addOther('Plain text');
    const calls = () => platformState.remoteCalls.filter((c) => c.path === '/v1/admin/fields').length;

    const wrongKind = await create({ name: 'Customer', editor: 'select', storage: 'snapshot' }, { id: fromSettings.id });
    expect(wrongKind).toMatchObject({ ok: false, error: { status: 400 } });
    expect(wrongKind.error.message).toMatch(/open-connect-snapshot-field/);
    const notOurs = await create({ name: 'Plain', editor: 'select', storage: 'object' }, { id: other.id });
    expect(notOurs).toMatchObject({ ok: false, error: { status: 400 } });
    const typed = await create({ name: 'Typed', editor: 'select', storage: 'object', key: 'customfield_10050' }, { id: 'customfield_10050' });
    expect(typed).toMatchObject({ ok: false, error: { status: 400 } });
    expect(calls()).toBe(0);

    const bound = await create({ name: 'Customer', editor: 'autocomplete', storage: 'object' }, { id: fromSettings.id });
    expect(bound).toMatchObject({ ok: true, data: { key: fromSettings.id } });
    const again = await create({ name: 'Customer 2', editor: 'autocomplete', storage: 'object' }, { id: fromSettings.id });
    expect(again.ok).toBe(false);
  });

  it('on the fields panel: no customfield_ input; create a new Jira field or pick a free one of the right type', async () => {
    const free = platformState.jiraFields.create({ name: 'Region', type: typeId('open-connect-object-field') }).body as { id: string };
    resetBridge({ accountId: ADMIN, extension: {} }, (key, payload) => callResolver(handlers.adminResolver, 'admin-resolver', key, payload, { accountId: ADMIN }));
    const r = await render(<FieldsPanel />);
    await settle(r, () => textOf(r).includes('City (customfield_10002)'));
    await act(async () => byType(r.root, 'Button').find((b) => b.props.children === 'Add connected field')!.props.onClick());
    expect(byType(r.root, 'Textfield').map((t) => t.props.name)).not.toContain('f-key');
    const select = (id: string) => byType(r.root, 'Select').find((s) => s.props.id === id) as ReactTestInstance;
    const labels = () => (select('f-jira-field').props.options as Array<{ label: string; value: string }>).map((o) => o.value);
    // Country and City are configured already; Region is free and of the object type.
    await settle(r, () => labels().length > 1);
    expect(labels()).toEqual(['create-new', free.id]);
    await act(async () => select('f-storage').props.onChange({ value: 'snapshot' }));
    expect(labels()).toEqual(['create-new']);
    await act(async () => select('f-storage').props.onChange({ value: 'object' }));

    await act(async () => (byType(r.root, 'Textfield').find((t) => t.props.name === 'f-name') as ReactTestInstance).props.onChange({ target: { value: 'Sales region' } }));
    await act(async () => select('f-ds').props.onChange({ value: env.config.datasource.id }));
    await act(async () => (byType(r.root, 'TextArea').find((t) => t.props.name === 'f-query') as ReactTestInstance).props.onChange({ target: { value: 'GET /countries' } }));
    await act(async () => select('f-jira-field').props.onChange({ value: 'create-new' }));
    await act(async () => byType(r.root, 'Button').find((b) => b.props.children === 'Save')!.props.onClick());
    const made = platformState.jiraFields.fields.find((f) => f.name === 'Sales region');
    expect(made?.schema?.custom).toBe(typeId('open-connect-object-field'));
    await settle(r, () => textOf(r).includes(`Sales region (${made!.id})`));
  });
});
