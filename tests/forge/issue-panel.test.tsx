// The issue panel rendered through the real field resolver and a real companion: items mapped to the
// issue's project and type (kept in Forge storage by the admin resolvers), their options, and saving
// a value only for users Jira says may edit the issue.
import './support/fake-bridge.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import React from 'react';
import { act, type ReactTestInstance, type ReactTestRenderer } from 'react-test-renderer';
import { bridge, resetBridge } from './support/fake-bridge.js';
import { byType, render, settle, textOf } from './support/render-ui.js';
import { callResolver } from './support/call-resolver.js';
import { platformState } from './support/forge-platform-state.js';
import { ISSUE, PROJECT, USER, startForgeTestEnv, type ForgeTestEnv } from './support/forge-test-env.js';

vi.mock('@forge/api', async (importOriginal) => (await import('./support/forge-module-stubs.js')).forgeApiStub(await importOriginal()));
vi.mock('@forge/kvs', async () => ({ kvs: (await import('./support/forge-module-stubs.js')).kvsStub }));

const handlers = await import('../../src/index.js');
const { IssuePanel } = await import('../../forge/ui/issue-panel.js');

function openIssue(issue: typeof ISSUE) {
  const extension = { issue, project: PROJECT };
  resetBridge({ accountId: USER, extension }, (key, payload) => callResolver(handlers.fieldResolver, 'field-resolver', key, payload, { accountId: USER, extension }));
}
const button = (r: ReactTestRenderer, label: string) => byType(r.root, 'Button').find((b) => b.props.children === label) as ReactTestInstance;

describe('issue panel through the real field resolver', () => {
  let env: ForgeTestEnv;
  let itemId: string;
  beforeAll(async () => {
    env = await startForgeTestEnv(handlers);
  });
  afterAll(async () => env?.close());
  beforeEach(async () => {
    await env.reset();
    const item = await env.admin<{ id: string }>('items/create', {
      item: { key: `connected_item_${Math.floor(Math.random() * 1e6)}`, name: 'Office country', datasourceId: env.config.datasource.id, editor: 'select', query: 'GET /countries', resultPath: '$.countries[*]', idTemplate: '${row.code}', displayTemplate: '${row.name}', attributes: { code: '${row.code}' } },
    });
    itemId = item.id;
    const doc = await env.admin<{ version: number }>('mappings/get');
    await env.admin('mappings/put', { document: { version: doc.version, mappings: [{ itemId, projectId: PROJECT.id, issueTypeIds: [ISSUE.typeId], requestTypeIds: [], hidden: false }] } });
  });

  it('shows the mapped item, and saves a value for a user who may edit the issue', async () => {
    openIssue(ISSUE);
    const r = await render(<IssuePanel />);
    await settle(r, () => textOf(r).includes('Office country'));
    expect(textOf(r)).toContain('None');
    await act(async () => button(r, 'Edit').props.onClick());
    await settle(r, () => byType(r.root, 'Select').length > 0);
    expect((byType(r.root, 'Select')[0]!.props.options as Array<{ label: string }>).map((o) => o.label)).toEqual(['France', 'Germany', 'Japan']);
    await act(async () => byType(r.root, 'Select')[0]!.props.onChange({ label: 'Japan', value: 'JP' }));

    await act(async () => button(r, 'Save').props.onClick());
    await settle(r, () => byType(r.root, 'ErrorMessage').length > 0);
    expect(textOf(r)).toContain('You cannot edit this issue');
    expect(platformState.remoteCalls.some((c) => c.path.startsWith('/v1/issues/') && c.method === 'PUT')).toBe(false);

    platformState.issueEditors.add(`${USER}:${ISSUE.id}`);
    await act(async () => button(r, 'Save').props.onClick());
    await settle(r, () => textOf(r).includes('Japan · code: JP'));
    expect(bridge.invocations.find((i) => i.functionKey === 'issueItems/put')?.payload).toEqual({ items: [{ itemId, values: [{ id: 'JP', value: 'Japan' }] }] });
    const stored = await env.companion.db.itemValue.findMany({ where: { itemId } });
    expect(stored).toHaveLength(1);
  });

  it('shows nothing for an issue type the item is not mapped to', async () => {
    openIssue({ ...ISSUE, id: '10200', key: 'DEMO-2', typeId: '10999' });
    const r = await render(<IssuePanel />);
    await settle(r, () => textOf(r).includes('No connected item applies'));
  });
});
