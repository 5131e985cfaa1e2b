// The admin page's connected items without JSON: the item form (settings and attribute rows), the
// companion's validation messages beside the inputs they concern, and the "where it shows" form with
// project, issue type and request type pickers read from Jira (requestJira as the app). Rendered
// with react-test-renderer, the bridge wired to the REAL admin resolver and a real companion.
import './support/fake-bridge.js';
import { describe, expect, it, vi } from 'vitest';
import React from 'react';
import { act, type ReactTestInstance, type ReactTestRenderer } from 'react-test-renderer';
import { bridge } from './support/fake-bridge.js';
import { byType, render, settle, textOf } from './support/render-ui.js';
import { platformState } from './support/forge-platform-state.js';
import { adminPageSuite } from './support/admin-page-suite.js';

vi.mock('@forge/api', async (importOriginal) => (await import('./support/forge-module-stubs.js')).forgeApiStub(await importOriginal()));
vi.mock('@forge/kvs', async () => ({ kvs: (await import('./support/forge-module-stubs.js')).kvsStub }));

const handlers = await import('../../src/index.js');
const { ItemsPanel } = await import('../../forge/ui/admin/items-panel.js');

type Option = { label: string; value: string };
/** UI Kit components render as host elements named after them. */
const isA = (n: ReactTestInstance, name: string) => (n.type as unknown) === name;
const input = (r: ReactTestRenderer, name: string) => r.root.find((n) => (isA(n, 'Textfield') || isA(n, 'TextArea')) && n.props.name === name);
const type = (r: ReactTestRenderer, name: string, value: string) => act(async () => input(r, name).props.onChange({ target: { value } }));
const select = (r: ReactTestRenderer, id: string) => r.root.find((n) => isA(n, 'Select') && n.props.id === id);
const optionsOf = (r: ReactTestRenderer, id: string) => (select(r, id).props.options as Option[]).map((o) => o.label);
const choose = (r: ReactTestRenderer, id: string, labels: string[]) =>
  act(async () => {
    const s = select(r, id);
    const chosen = (s.props.options as Option[]).filter((o) => labels.includes(o.label));
    s.props.onChange(s.props.isMulti ? chosen : chosen[0]);
  });
const click = (r: ReactTestRenderer, label: string) => act(async () => (byType(r.root, 'Button').find((b) => b.props.children === label) as ReactTestInstance).props.onClick());
const rowButton = (r: ReactTestRenderer, rowText: string, label: string) =>
  act(async () => {
    const row = byType(r.root, 'Inline').find((i) => byType(i, 'Text').some((t) => t.props.children === rowText)) as ReactTestInstance;
    (byType(row, 'Button').find((b) => b.props.children === label) as ReactTestInstance).props.onClick();
  });
const submit = (r: ReactTestRenderer) => act(async () => byType(r.root, 'Form')[0]!.props.onSubmit());
/** The message shown right beside an input: the ErrorMessage of the Stack that holds it. */
const messageBeside = (r: ReactTestRenderer, name: string) => {
  const holder = input(r, name).parent as ReactTestInstance;
  return byType(holder, 'ErrorMessage').map((m) => String(m.props.children));
};
/** The message under an attribute or mapping row (the Stack that holds the row's Inline). */
const messageUnderRow = (r: ReactTestRenderer, inner: ReactTestInstance) => {
  let node: ReactTestInstance | null = inner;
  while (node && !(isA(node, 'Stack') && byType(node, 'Inline').length > 0)) node = node.parent;
  return byType(node!, 'ErrorMessage').map((m) => String(m.props.children));
};

describe('connected items in the admin page, without JSON', () => {
  const env = adminPageSuite(handlers);

  async function openNewItem() {
    const r = await render(<ItemsPanel />);
    await settle(r, () => byType(r.root, 'Button').some((b) => b.props.children === 'Add connected item'));
    await click(r, 'Add connected item');
    await settle(r, () => optionsOf(r, 'item-datasource').length > 0);
    await choose(r, 'item-datasource', ['Sample REST service']);
    return r;
  }

  it('creates an item with its attributes from the form', async () => {
    const r = await openNewItem();
    expect(input(r, 'item-key').props.value).toMatch(/^connected_item_[0-9]+$/);
    await type(r, 'item-key', 'connected_item_501');
    await type(r, 'item-name', 'Office country');
    await choose(r, 'item-editor', ['Multiselect (several values)']);
    await type(r, 'item-query', 'GET /countries');
    await type(r, 'item-result-path', '$.countries[*]');
    await type(r, 'item-id-template', '${row.code}');
    await type(r, 'item-display-template', '${row.name}');
    await click(r, 'Add attribute');
    await type(r, 'item-attr-name-0', 'code');
    await type(r, 'item-attr-template-0', '${row.code}');
    await submit(r);
    await settle(r, () => textOf(r).includes('Saved Office country'));

    const stored = await env.companion.db.item.findFirst({ where: { key: 'connected_item_501' } });
    expect(stored).toMatchObject({ name: 'Office country', editor: 'multiselect', query: 'GET /countries', attributes: { code: '${row.code}' } });
    // What went to the resolver is the item as an object, built by the form.
    expect(bridge.invocations.find((i) => i.functionKey === 'items/create')?.payload).toMatchObject({ item: { key: 'connected_item_501', attributes: { code: '${row.code}' } } });
    expect(platformState.kvs.get(`item-hints:item:${stored!.id}`)).toMatchObject({ name: 'Office country' });

    // Editing shows the stored settings in the same form.
    await settle(r, () => textOf(r).includes('Office country (connected_item_501)'));
    await rowButton(r, 'Office country (connected_item_501)', 'Edit');
    expect(input(r, 'item-query').props.value).toBe('GET /countries');
    expect(input(r, 'item-attr-template-0').props.value).toBe('${row.code}');
  });

  it("shows the companion's validation messages beside the inputs they concern, and stores nothing", async () => {
    const before = await env.companion.db.item.count();
    const r = await openNewItem();
    await type(r, 'item-name', 'Broken');
    await type(r, 'item-display-template', '#if($row.name');
    await submit(r);
    await settle(r, () => messageBeside(r, 'item-display-template').length > 0);
    expect(messageBeside(r, 'item-display-template')[0]).toMatch(/is not a valid template/);
    expect(messageBeside(r, 'item-name')).toEqual([]);
    expect(textOf(r)).toContain('Some settings need fixing');

    await type(r, 'item-display-template', '${row.name}');
    await click(r, 'Add attribute');
    await type(r, 'item-attr-name-0', 'value');
    await type(r, 'item-attr-template-0', '${row.x}');
    await submit(r);
    await settle(r, () => messageUnderRow(r, input(r, 'item-attr-name-0')).length > 0);
    expect(messageUnderRow(r, input(r, 'item-attr-name-0'))[0]).toMatch(/reserved/);
    expect(messageBeside(r, 'item-display-template')).toEqual([]);

    await type(r, 'item-attr-name-0', 'country');
    await type(r, 'item-key', 'item 7');
    await submit(r);
    await settle(r, () => messageBeside(r, 'item-key').length > 0);
    expect(messageBeside(r, 'item-key')[0]).toMatch(/expected form/);

    // The form's own checks need no round trip.
    const calls = bridge.invocations.length;
    await type(r, 'item-key', 'connected_item_502');
    await type(r, 'item-ttl', 'soon');
    await submit(r);
    expect(messageBeside(r, 'item-ttl')[0]).toMatch(/whole number/);
    expect(bridge.invocations.length).toBe(calls);
    expect(await env.companion.db.item.count()).toBe(before);
  });

  it('maps an item to projects, issue types and request types picked from Jira', async () => {
    const item = await env.admin<{ id: string }>('items/create', {
      item: { key: 'connected_item_510', name: 'Asset', datasourceId: env.config.datasource.id, editor: 'select', query: 'GET /countries', resultPath: '$.countries[*]', idTemplate: '${row.code}', displayTemplate: '${row.name}' },
    });
    const r = await render(<ItemsPanel />);
    await settle(r, () => textOf(r).includes('Asset (connected_item_510)'));
    await rowButton(r, 'Asset (connected_item_510)', 'Where it shows');
    await settle(r, () => textOf(r).includes('Not mapped to any project yet'));

    await click(r, 'Add project');
    expect(optionsOf(r, 'map-project-0')).toEqual(expect.arrayContaining(['Demo (DEMO)', 'Help desk (HELP)']));
    await choose(r, 'map-project-0', ['Demo (DEMO)']);
    await settle(r, () => optionsOf(r, 'map-types-0').length > 0);
    expect(optionsOf(r, 'map-types-0')).toEqual(['Task', 'Bug', 'Story']);
    await choose(r, 'map-types-0', ['Task']);
    expect(r.root.findAll((n) => isA(n, 'Select') && n.props.id === 'map-requests-0')).toHaveLength(0);

    await click(r, 'Add project');
    await choose(r, 'map-project-1', ['Help desk (HELP)']);
    await settle(r, () => r.root.findAll((n) => isA(n, 'Select') && n.props.id === 'map-requests-1').length > 0 && optionsOf(r, 'map-requests-1').length > 0);
    await choose(r, 'map-requests-1', ['Get IT help']);
    await submit(r);
    await settle(r, () => textOf(r).includes('Saved: 2 set, 0 removed'));

    const stored = (await env.companion.call('GET', `/v1/admin/mappings?itemId=${item.id}`)).json().mappings;
    expect(stored).toEqual([
      { itemId: item.id, projectId: '10000', issueTypeIds: ['10001'], requestTypeIds: [], hidden: false },
      { itemId: item.id, projectId: '10002', issueTypeIds: [], requestTypeIds: ['7'], hidden: false },
    ]);
    // The pickers came from Jira, as the app; the issue panel's hints follow the save.
    expect(platformState.jiraCalls).toEqual(expect.arrayContaining([expect.stringMatching(/^GET \/rest\/api\/3\/project\/search/), 'GET /rest/api/3/issuetype/project?projectId=10000', expect.stringMatching(/^GET \/rest\/servicedeskapi\/servicedesk\/4\/requesttype/)]));
    expect(platformState.kvs.get('item-hints:project:10000')).toEqual({ list: [stored[0]] });

    // The saved rows come back with their names; dropping one removes that mapping only.
    await settle(r, () => select(r, 'map-project-0').props.value?.label === 'Demo (DEMO)');
    await act(async () => (byType(r.root, 'Button').filter((b) => b.props.children === 'Remove')[0] as ReactTestInstance).props.onClick());
    await submit(r);
    await settle(r, () => textOf(r).includes('Saved: 0 set, 1 removed'));
    expect((await env.companion.call('GET', `/v1/admin/mappings?itemId=${item.id}`)).json().mappings.map((m: { projectId: string }) => m.projectId)).toEqual(['10002']);
    expect(platformState.kvs.has('item-hints:project:10000')).toBe(false);
  });

  it("shows a refusal of the companion beside the mapping row it concerns", async () => {
    const item = await env.admin<{ id: string }>('items/create', {
      item: { key: 'connected_item_520', name: 'Gone soon', datasourceId: env.config.datasource.id, editor: 'select', query: 'GET /countries' },
    });
    const r = await render(<ItemsPanel />);
    await settle(r, () => textOf(r).includes('Gone soon (connected_item_520)'));
    await rowButton(r, 'Gone soon (connected_item_520)', 'Where it shows');
    await settle(r, () => textOf(r).includes('Not mapped to any project yet'));
    await click(r, 'Add project');
    await choose(r, 'map-project-0', ['Demo (DEMO)']);
    await click(r, 'Add project');
    await choose(r, 'map-project-1', ['Demo (DEMO)']);
    await submit(r);
    expect(messageUnderRow(r, select(r, 'map-project-1'))).toEqual(['This project is mapped in another row already']);

    await act(async () => (byType(r.root, 'Button').filter((b) => b.props.children === 'Remove')[1] as ReactTestInstance).props.onClick());
    await env.admin('items/delete', { id: item.id }); // someone else deletes the item meanwhile
    await submit(r);
    await settle(r, () => messageUnderRow(r, select(r, 'map-project-0')).length > 0);
    expect(messageUnderRow(r, select(r, 'map-project-0'))).toEqual(['is not a connected item of this site']);
  });
});
