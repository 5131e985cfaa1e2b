// The issue panel and the portal request panel, rendered through the real field resolver and a real
// companion: items mapped to the issue's project and type (kept in Forge storage by the admin
// resolvers), editing offered and done only for users Jira says may edit the issue, and on the
// portal the issue found from the request key (as the app) with the request type matched too.
import './support/fake-bridge.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import React from 'react';
import { act, type ReactTestInstance, type ReactTestRenderer } from 'react-test-renderer';
import { bridge, resetBridge } from './support/fake-bridge.js';
import { byType, render, settle, textOf } from './support/render-ui.js';
import { callResolver, type CallAs } from './support/call-resolver.js';
import { platformState } from './support/forge-platform-state.js';
import { ISSUE, PROJECT, USER, startForgeTestEnv, type ForgeTestEnv } from './support/forge-test-env.js';

vi.mock('@forge/api', async (importOriginal) => (await import('./support/forge-module-stubs.js')).forgeApiStub(await importOriginal()));
vi.mock('@forge/kvs', async () => ({ kvs: (await import('./support/forge-module-stubs.js')).kvsStub }));

const handlers = await import('../../src/index.js');
const { IssuePanel } = await import('../../forge/ui/issue-panel.js');

const CUSTOMER = 'account-portal-customer';
const REQUEST_TYPE = '25';
/** The issue behind portal request SUP-7, as Jira's "get issue" describes it. */
const SUP_7 = { id: '10300', key: 'SUP-7', projectId: '10400', projectKey: 'SUP', issueTypeId: '10010' };
/** What a portalRequestDetail module's context holds: the portal and the request, no issue or project. */
const portalExtension = (key = SUP_7.key, typeId = REQUEST_TYPE) => ({ type: 'jiraServiceManagement:portalRequestDetail', portal: { id: '3' }, request: { key, typeId } });

function openPanel(as: CallAs & { accountId: string }) {
  resetBridge({ accountId: as.accountId, extension: as.extension }, (key, payload) => callResolver(handlers.fieldResolver, 'field-resolver', key, payload, as));
}
const openIssue = (issue: typeof ISSUE) => openPanel({ accountId: USER, extension: { issue, project: PROJECT } });
const openPortal = (extension = portalExtension()) => openPanel({ accountId: CUSTOMER, accountType: 'customer', extension });
const buttons = (r: ReactTestRenderer, label: string) => byType(r.root, 'Button').filter((b) => b.props.children === label) as ReactTestInstance[];
/** What the UI could send itself (a crafted bridge call): the resolver must refuse it on its own. */
const direct = (definition: string, payload: Record<string, unknown>) => bridge.invoke(definition, payload) as Promise<{ ok: boolean; error?: { status: number; message: string } }>;

describe('issue and portal panels through the real field resolver', () => {
  let env: ForgeTestEnv;
  let itemId: string;
  let portalItemId: string;
  let otherTypeItemId: string;
  beforeAll(async () => {
    env = await startForgeTestEnv(handlers);
  });
  afterAll(async () => env?.close());
  beforeEach(async () => {
    await env.reset();
    platformState.issues.set(SUP_7.key, SUP_7);
    const base = { datasourceId: env.config.datasource.id, editor: 'select', query: 'GET /countries', resultPath: '$.countries[*]', idTemplate: '${row.code}', displayTemplate: '${row.name}', attributes: { code: '${row.code}' } };
    const create = async (name: string) => (await env.admin<{ id: string }>('items/create', { item: { ...base, key: `connected_item_${Math.floor(Math.random() * 1e8)}`, name } })).id;
    itemId = await create('Office country');
    portalItemId = await create('Delivery country');
    otherTypeItemId = await create('Billing country');
    const doc = await env.admin<{ version: number }>('mappings/get');
    await env.admin('mappings/put', {
      document: {
        version: doc.version,
        mappings: [
          { itemId, projectId: PROJECT.id, issueTypeIds: [ISSUE.typeId], requestTypeIds: [], hidden: false },
          { itemId: portalItemId, projectId: SUP_7.projectId, issueTypeIds: [SUP_7.issueTypeId], requestTypeIds: [REQUEST_TYPE], hidden: false },
          { itemId: otherTypeItemId, projectId: SUP_7.projectId, issueTypeIds: [SUP_7.issueTypeId], requestTypeIds: ['26'], hidden: false },
        ],
      },
    });
  });

  it('offers no editing to a user who may not edit the issue, and refuses a crafted options or save call', async () => {
    openIssue(ISSUE);
    const r = await render(<IssuePanel />);
    await settle(r, () => textOf(r).includes('Office country'));
    expect(textOf(r)).toContain('None');
    expect(buttons(r, 'Edit')).toEqual([]);
    platformState.remoteCalls = [];
    for (const [definition, payload] of [['issueItems/options', { itemId }], ['issueItems/put', { items: [{ itemId, values: [{ id: 'JP' }] }] }]] as const) {
      const answer = await direct(definition, payload);
      expect(answer, definition).toMatchObject({ ok: false, error: { status: 403, message: 'You cannot edit this issue' } });
    }
    expect(platformState.remoteCalls).toEqual([]);
    expect(await env.companion.db.itemValue.count({ where: { itemId } })).toBe(0);
  });

  it('lets a user who may edit the issue pick and save a value, signed as the resolver with the user in the body', async () => {
    platformState.issueEditors.add(`${USER}:${ISSUE.id}`);
    openIssue(ISSUE);
    const r = await render(<IssuePanel />);
    await settle(r, () => buttons(r, 'Edit').length === 1);
    await act(async () => buttons(r, 'Edit')[0]!.props.onClick());
    await settle(r, () => byType(r.root, 'Select').length > 0);
    expect((byType(r.root, 'Select')[0]!.props.options as Array<{ label: string }>).map((o) => o.label)).toEqual(['France', 'Germany', 'Japan']);
    await act(async () => byType(r.root, 'Select')[0]!.props.onChange({ label: 'Japan', value: 'JP' }));
    await act(async () => buttons(r, 'Save')[0]!.props.onClick());
    await settle(r, () => textOf(r).includes('Japan · code: JP'));
    expect(bridge.invocations.find((i) => i.functionKey === 'issueItems/put')?.payload).toEqual({ items: [{ itemId, values: [{ id: 'JP', value: 'Japan' }] }] });
    expect(await env.companion.db.itemValue.count({ where: { itemId } })).toBe(1);
    const put = platformState.remoteCalls.findIndex((c) => c.method === 'PUT' && c.path === `/v1/issues/${ISSUE.id}/items`);
    expect(platformState.remoteCalls[put]!.moduleKey).toBe('field-resolver');
    expect(platformState.remoteBodies[put]).toMatchObject({ context: { user: { accountId: USER }, issue: { id: ISSUE.id } } });
  });

  it('shows nothing for an issue type the item is not mapped to', async () => {
    openIssue({ ...ISSUE, id: '10200', key: 'DEMO-2', typeId: '10999' });
    const r = await render(<IssuePanel />);
    await settle(r, () => textOf(r).includes('No connected item applies'));
  });

  it("shows a portal customer the request's items, found from the request key as the app, read-only", async () => {
    // An agent who may edit SUP-7 saved a value; the customer sees it on the portal.
    platformState.issueEditors.add(`${USER}:${SUP_7.id}`);
    const saved = await callResolver(handlers.fieldResolver, 'field-resolver', 'issueItems/put', { items: [{ itemId: portalItemId, values: [{ id: 'FR' }] }] }, { accountId: USER, extension: portalExtension() });
    expect(saved.ok).toBe(true);
    platformState.jiraCalls = [];

    openPortal();
    const r = await render(<IssuePanel />);
    await settle(r, () => textOf(r).includes('Delivery country'));
    expect(textOf(r)).toContain('France · code: FR');
    // Mapped by the issue's project and type and the request type: not the item of request type 26,
    // nor the item of another project.
    expect(textOf(r)).not.toContain('Billing country');
    expect(textOf(r)).not.toContain('Office country');
    expect(buttons(r, 'Edit')).toEqual([]);
    expect(platformState.jiraCalls).toContain('GET /rest/api/3/issue/SUP-7?fields=project,issuetype');

    // What the customer could craft: neither options nor a write get past Jira's EDIT_ISSUES check.
    const writes = platformState.remoteCalls.length;
    for (const [definition, payload] of [['issueItems/options', { itemId: portalItemId }], ['issueItems/put', { items: [{ itemId: portalItemId, values: [{ id: 'JP' }] }] }]] as const) {
      expect(await direct(definition, payload), definition).toMatchObject({ ok: false, error: { status: 403 } });
    }
    expect(platformState.remoteCalls.slice(writes)).toEqual([]);
    const stored = await env.companion.db.itemValue.findMany({ where: { itemId: portalItemId, deletedAt: null } });
    expect(stored.map((v) => v.issueId)).toEqual([SUP_7.id]);
    expect(JSON.stringify(stored)).not.toContain('JP');
  });

  it('lets a portal user whom Jira allows to edit the request change its items', async () => {
    const SUP_8 = { ...SUP_7, id: '10301', key: 'SUP-8' };
    platformState.issues.set(SUP_8.key, SUP_8);
    platformState.issueEditors.add(`${CUSTOMER}:${SUP_8.id}`);
    openPortal(portalExtension(SUP_8.key));
    const r = await render(<IssuePanel />);
    await settle(r, () => buttons(r, 'Edit').length === 1);
    await act(async () => buttons(r, 'Edit')[0]!.props.onClick());
    await settle(r, () => byType(r.root, 'Select').length > 0);
    await act(async () => byType(r.root, 'Select')[0]!.props.onChange({ label: 'Germany', value: 'DE' }));
    await act(async () => buttons(r, 'Save')[0]!.props.onClick());
    await settle(r, () => textOf(r).includes('Germany · code: DE'));
    const put = platformState.remoteCalls.findIndex((c) => c.method === 'PUT' && c.path === `/v1/issues/${SUP_8.id}/items`);
    expect(put).toBeGreaterThanOrEqual(0);
    expect(platformState.remoteBodies[put]).toMatchObject({ context: { user: { accountId: CUSTOMER }, issue: { id: SUP_8.id, key: SUP_8.key, projectId: SUP_8.projectId, issueTypeId: SUP_8.issueTypeId } } });
  });

  it('says so when the request is unknown, and never asks Jira about a malformed key', async () => {
    openPortal(portalExtension('SUP-404'));
    let r = await render(<IssuePanel />);
    await settle(r, () => byType(r.root, 'ErrorMessage').length > 0);
    expect(textOf(r)).toContain('This request could not be found');

    platformState.jiraCalls = [];
    openPortal(portalExtension('../../rest/api/3/myself?x='));
    r = await render(<IssuePanel />);
    await settle(r, () => byType(r.root, 'ErrorMessage').length > 0);
    expect(textOf(r)).toContain('no valid key');
    expect(platformState.jiraCalls).toEqual([]);
  });
});
