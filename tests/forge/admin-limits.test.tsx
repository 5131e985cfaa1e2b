// The admin page within Forge's frontend limits, at the contract's limits: at most 500 KB sent and
// 5 MB received per invoke (the fake bridge refuses more, as the platform does). A site with 5,000
// mappings edits one item's mappings; one item's 3,000 mappings are saved in parts; a support export
// over 5 MB is downloaded as a file in parts. The real admin resolver and a real companion.
import './support/fake-bridge.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import React from 'react';
import { act, type ReactTestInstance, type ReactTestRenderer } from 'react-test-renderer';
import { INVOKE_REQUEST_LIMIT, INVOKE_RESPONSE_LIMIT, bridge, resetBridge } from './support/fake-bridge.js';
import { byType, render, settle, textOf } from './support/render-ui.js';
import { callResolver as callAs } from './support/call-resolver.js';
import { platformState } from './support/forge-platform-state.js';
import { ADMIN, startForgeTestEnv, type ForgeTestEnv } from './support/forge-test-env.js';
import type { CallOptions } from '../helpers/test-companion.js';

vi.mock('@forge/api', async (importOriginal) => (await import('./support/forge-module-stubs.js')).forgeApiStub(await importOriginal()));
vi.mock('@forge/kvs', async () => ({ kvs: (await import('./support/forge-module-stubs.js')).kvsStub }));

const handlers = await import('../../src/index.js');
const { ItemsPanel } = await import('../../forge/ui/admin/items-panel.js');
const { SupportPanel } = await import('../../forge/ui/admin/support-panel.js');
const { callResolver } = await import('../../forge/ui/resolver-call.js');
const { changesOf, pagesOf, savePages } = await import('../../forge/ui/admin/mapping-pages.js');
const { invoke } = await import('@forge/bridge');

type Option = { label: string; value: string };
/** UI Kit components render as host elements named after them. */
const isA = (n: ReactTestInstance, name: string) => (n.type as unknown) === name;
const select = (r: ReactTestRenderer, id: string) => r.root.find((n) => isA(n, 'Select') && n.props.id === id);
const click = (r: ReactTestRenderer, label: string) => act(async () => (byType(r.root, 'Button').find((b) => b.props.children === label) as ReactTestInstance).props.onClick());
const largest = (key: string, what: 'sent' | 'received') => Math.max(0, ...bridge.sizes.filter((s) => s.functionKey === key).map((s) => s[what]));

describe('the admin page within Forge frontend limits', () => {
  let env: ForgeTestEnv;
  let dsId: string;
  const site = (installationId: string): CallOptions => ({ installationId });
  const asAdmin = () => resetBridge({ accountId: ADMIN, extension: {} }, (key, payload) => callAs(handlers.adminResolver, 'admin-resolver', key, payload, { accountId: ADMIN }));
  const createItems = async (installationId: string, count: number) => {
    const ids: string[] = [];
    const ds = (await env.companion.call('POST', '/v1/admin/datasources', { ...site(installationId), body: { name: 'Static', type: 'static', config: { format: 'json', data: '[]' } } })).json().id;
    for (let i = 0; i < count; i++) {
      const res = await env.companion.call('POST', '/v1/admin/items', { ...site(installationId), body: { key: `connected_item_${700 + i}`, name: `Item ${String(i).padStart(2, '0')}`, datasourceId: ds, editor: 'select' } });
      expect(res.statusCode, res.body).toBe(201);
      ids.push(res.json().id);
    }
    return ids;
  };

  beforeAll(async () => {
    env = await startForgeTestEnv(handlers);
    dsId = env.config.datasource.id;
  }, 120_000);
  afterAll(async () => {
    platformState.installationId = 'install-a';
    await env?.close();
  });
  beforeEach(async () => {
    platformState.installationId = 'install-a';
    await env.reset();
    asAdmin();
  });

  it('edits one item on a site holding the contract\'s 5,000 mappings, every call under the limits', async () => {
    void dsId;
    platformState.installationId = 'install-limits';
    const items = await createItems('install-limits', 50);
    const mappings = items.flatMap((itemId) => Array.from({ length: 100 }, (_, p) => ({ itemId, projectId: String(30_000 + p), issueTypeIds: ['10001', '10002'], requestTypeIds: [], hidden: false })));
    const doc = (await env.companion.call('GET', '/v1/admin/mappings', site('install-limits'))).json();
    expect((await env.companion.call('PUT', '/v1/admin/mappings', { ...site('install-limits'), body: { version: doc.version, mappings } })).statusCode).toBe(200);
    // Sending the whole document from the page, as the JSON editor did, is over the limit:
    await expect(invoke('mappings/put', { document: { version: doc.version + 1, mappings } })).rejects.toThrow(/request payload/);
    bridge.sizes = [];

    const r = await render(<ItemsPanel />);
    await settle(r, () => textOf(r).includes('Item 00 (connected_item_700)'));
    await act(async () => {
      const row = byType(r.root, 'Inline').find((i) => byType(i, 'Text').some((t) => t.props.children === 'Item 00 (connected_item_700)')) as ReactTestInstance;
      (byType(row, 'Button').find((b) => b.props.children === 'Where it shows') as ReactTestInstance).props.onClick();
    });
    await settle(r, () => byType(r.root, 'Checkbox').length === 100, 200_000);
    // A mapped project Jira does not list is still shown, by its id.
    expect(select(r, 'map-project-0').props.value).toEqual({ label: 'Project 30000 (not found in Jira)', value: '30000' });

    await act(async () => (byType(r.root, 'Button').filter((b) => b.props.children === 'Remove')[0] as ReactTestInstance).props.onClick());
    await click(r, 'Add project');
    await act(async () => select(r, 'map-project-99').props.onChange((select(r, 'map-project-99').props.options as Option[]).find((o) => o.label === 'Demo (DEMO)')));
    await act(async () => byType(r.root, 'Form')[0]!.props.onSubmit());
    await settle(r, () => textOf(r).includes('Saved: 1 set, 1 removed'), 200_000);

    const after = (await env.companion.call('GET', '/v1/admin/mappings', site('install-limits'))).json();
    expect(after.mappings).toHaveLength(5000);
    expect(after.mappings.filter((m: { itemId: string }) => m.itemId === items[0]).map((m: { projectId: string }) => m.projectId)).toContain('10000');
    expect(Math.max(...bridge.sizes.map((s) => s.sent))).toBeLessThan(INVOKE_REQUEST_LIMIT);
    expect(Math.max(...bridge.sizes.map((s) => s.received))).toBeLessThan(INVOKE_RESPONSE_LIMIT);
  }, 120_000);

  it('saves one item\'s 3,000 mappings in parts, each under 500 KB, chained by version', async () => {
    platformState.installationId = 'install-pages';
    const [itemId] = await createItems('install-pages', 1);
    const rows = Array.from({ length: 3000 }, (_, p) => ({ projectId: String(40_000 + p), issueTypeIds: Array.from({ length: 150 }, (_, t) => String(50_000 + t)), requestTypeIds: [], hidden: p % 2 === 0 }));
    const changes = changesOf(itemId!, [], rows);
    if ('errors' in changes) throw new Error('rows refused');
    const pages = pagesOf(changes);
    expect(pages.length).toBeGreaterThan(5);
    const { version } = (await env.companion.call('GET', '/v1/admin/mappings', site('install-pages'))).json();
    const last = await savePages((payload) => callResolver('mappings/patch', payload), version, pages, () => []);
    expect(last).toBe(version + pages.length);

    const stored = (await env.companion.call('GET', '/v1/admin/mappings', site('install-pages'))).json().mappings;
    expect(stored).toEqual(rows.map((r) => ({ itemId, ...r })));
    expect(bridge.sizes.filter((s) => s.functionKey === 'mappings/patch')).toHaveLength(pages.length);
    expect(largest('mappings/patch', 'sent')).toBeLessThan(INVOKE_REQUEST_LIMIT);
    // The issue panel's hints followed every part (and stayed under Forge storage's limits).
    expect(platformState.kvs.get('item-hints:project:40001')).toEqual({ list: [{ itemId, ...rows[1] }] });
  }, 120_000);

  it('offers a support export over 5 MB as a file, downloaded in parts', async () => {
    platformState.installationId = 'install-export';
    for (let i = 0; i < 7; i++) {
      const data = `code,name\n${Array.from({ length: 9000 }, (_, n) => `C${i}-${n},${'x'.repeat(85)}`).join('\n')}`;
      const res = await env.companion.call('POST', '/v1/admin/datasources', { ...site('install-export'), body: { name: `Static ${i}`, type: 'static', config: { format: 'csv', data } } });
      expect(res.statusCode, res.body.slice(0, 200)).toBe(201);
    }
    const whole = (await env.companion.call('GET', '/v1/admin/export', site('install-export'))).body;
    expect(whole.length).toBeGreaterThan(INVOKE_RESPONSE_LIMIT);

    const r = await render(<SupportPanel />);
    await click(r, 'Prepare support export');
    await settle(r, () => byType(r.root, 'FileCard').length > 0, 200_000);
    const card = byType(r.root, 'FileCard')[0]!;
    expect(card.props.fileName).toMatch(/^open-connect-export-\d{4}-\d{2}-\d{2}\.json$/);
    expect(card.props.fileSize).toBeGreaterThan(INVOKE_RESPONSE_LIMIT);
    const blob = (await act(async () => card.props.onDownload())) as unknown as Blob;
    const exported = JSON.parse(await blob.text());
    expect(exported.datasources.map((d: { name: string }) => d.name).sort()).toEqual(Array.from({ length: 7 }, (_, i) => `Static ${i}`));
    expect(blob.size).toBe(card.props.fileSize);
    expect(bridge.sizes.filter((s) => s.functionKey === 'support/exportFile').length).toBeGreaterThan(2);
    expect(largest('support/exportFile', 'received')).toBeLessThan(INVOKE_RESPONSE_LIMIT);
  }, 120_000);
});
