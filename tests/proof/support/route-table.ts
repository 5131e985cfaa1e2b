// THE TABLE: one entry per /v1 route. Each says how to make a valid request for a tenant (the fuzzer
// mutates it) and how a second tenant is kept out. route-coverage.test.ts fails when the app serves
// a /v1 route that has no entry here, or an entry names a route the app does not serve.
import { expect } from 'vitest';
import type { RouteKey } from './app-routes.js';
import { CALLERS, fillPath, hasErrorShape, type Caller, type Tenant } from './proof-client.js';
import { installedEvent, preUninstallBody, upgradedEvent } from '../../helpers/forge-events.js';
import { fieldBody, ISSUE_ID, itemBody, PARENT_FIELD, staticDatasourceBody, type TenantFixtures } from './tenant-fixtures.js';

export interface ValidRequest {
  params: Record<string, string>;
  body?: unknown;
  query?: string;
}

export interface IsolationCheck {
  entry: RouteEntry;
  /** Tenant A owns data; tenant B is a second installation. */
  a: TenantFixtures;
  b: TenantFixtures;
  /** A's valid request (its ids). */
  request: ValidRequest;
}

export interface RouteEntry {
  key: RouteKey;
  /** Who sends the valid request (default: the admin page, with a user). */
  caller?: Caller;
  /**
   * Every caller whose genuine token the route takes; any other gets 403 (token-forgery.test.ts).
   * Default: the admin page and the admin resolver (/v1/admin/**).
   */
  accepts?: readonly Caller[];
  valid(f: TenantFixtures): Promise<ValidRequest>;
  isolation(check: IsolationCheck): Promise<void>;
}

export const ADMIN_CALLERS: readonly Caller[] = ['admin', 'adminResolver'];
/** Routes whose permission check is the resolver's (Jira's EDIT_ISSUES): never a UI module's own token. */
const RESOLVER_CALLERS: readonly Caller[] = ['admin', 'adminResolver', 'fieldResolver'];
export const acceptedBy = (entry: RouteEntry): readonly Caller[] => entry.accepts ?? ADMIN_CALLERS;

const methodOf = (key: RouteKey) => key.split(' ')[0] as 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
const pathOf = (key: RouteKey) => key.split(' ')[1]!;

export function sendEntry(t: Tenant, entry: RouteEntry, request: ValidRequest) {
  return t.send(methodOf(entry.key), fillPath(pathOf(entry.key), request.params), {
    ...(request.body !== undefined ? { body: request.body } : {}),
    ...(request.query ? { query: request.query } : {}),
  });
}

// ---- isolation patterns ----------------------------------------------------------------------

/** B names A's object: 404 with the error shape, and A still sees it unchanged. */
const ownedBy = (readBack: (r: ValidRequest) => string) =>
  async ({ entry, a, b, request }: IsolationCheck) => {
    const before = await a.tenant.send('GET', readBack(request));
    expect(before.statusCode, `A reads its own object before: ${before.body}`).toBe(200);
    const res = await sendEntry(b.tenant, entry, request);
    expect(res.statusCode, `${entry.key} as another tenant: ${res.body}`).toBe(404);
    expect(hasErrorShape(res.body)).toBe(true);
    const after = await a.tenant.send('GET', readBack(request));
    expect(after.statusCode).toBe(200);
    expect(after.json()).toEqual(before.json());
  };

/** B's list is empty while A's is not. */
const listedUnder = (plural: string) =>
  async ({ entry, a, b, request }: IsolationCheck) => {
    const mine = await sendEntry(a.tenant, entry, request);
    expect(mine.json()[plural].length, `A lists its own ${plural}`).toBeGreaterThan(0);
    const theirs = await sendEntry(b.tenant, entry, request);
    expect(theirs.statusCode).toBe(200);
    expect(theirs.json()[plural]).toEqual([]);
  };

/** What B creates lands in B's tenant: A's list does not show it, B's does not show A's. */
const createdUnder = (listPath: string, plural: string) =>
  async ({ entry, a, b, request }: IsolationCheck) => {
    const ids = async (t: Tenant) => ((await t.send('GET', listPath)).json()[plural] as Array<{ id: string }>).map((x) => x.id);
    const aBefore = await ids(a.tenant);
    const res = await sendEntry(b.tenant, entry, request);
    expect(res.statusCode).toBe(201);
    const created = res.json().id as string;
    expect(await ids(a.tenant)).toEqual(aBefore);
    const bIds = await ids(b.tenant);
    expect(bIds).toContain(created);
    for (const id of aBefore) expect(bIds).not.toContain(id);
  };

/** B gets a 4xx for A's document, and A's stays as it was. */
const refusedAndUnchanged = (readBack: string) =>
  async ({ entry, a, b, request }: IsolationCheck) => {
    const before = (await a.tenant.send('GET', readBack)).json();
    const res = await sendEntry(b.tenant, entry, request);
    expect(res.statusCode, `${entry.key} with another tenant's ids: ${res.body}`).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(hasErrorShape(res.body)).toBe(true);
    expect((await a.tenant.send('GET', readBack)).json()).toEqual(before);
  };

const f0 = (f: TenantFixtures) => f.issueValues();

/** B's install and preUninstall change B, never A: A stays installed with no purge date. */
const lifecycleOfItsOwn = async ({ a, b }: IsolationCheck) => {
  await a.lifecycle.send('POST', '/v1/lifecycle', { body: installedEvent() });
  const installed = await b.lifecycle.send('POST', '/v1/lifecycle', { body: installedEvent() });
  expect(installed.json().tenant).toMatchObject({ installationId: b.tenant.installationId, state: 'installed' });
  const gone = await b.uninstall.send('POST', '/v1/lifecycle/uninstall', { body: preUninstallBody() });
  expect(gone.json().tenant).toMatchObject({ installationId: b.tenant.installationId, state: 'uninstalled', purgeAt: expect.any(String) });
  const aState = await a.lifecycle.send('POST', '/v1/lifecycle', { body: upgradedEvent() });
  expect(aState.json().tenant).toMatchObject({ installationId: a.tenant.installationId, purgeAt: null });
  await b.lifecycle.send('POST', '/v1/lifecycle', { body: installedEvent() });
};

// ---- the table ---------------------------------------------------------------------------------

const DS = '/v1/admin/datasources';
const FIELDS = '/v1/admin/fields';
const ITEMS = '/v1/admin/items';
const id = (x: Record<string, unknown>) => String(x.id);
const dsId = async (f: TenantFixtures): Promise<ValidRequest> => ({ params: { id: id(await f.datasource()) } });
const fieldId = async (f: TenantFixtures): Promise<ValidRequest> => ({ params: { id: id(await f.field()) } });
const itemId = async (f: TenantFixtures): Promise<ValidRequest> => ({ params: { id: id(await f.item()) } });
const issueContext = { issue: { id: '10100', key: 'PRJ-1', projectId: '10000', projectKey: 'PRJ', issueTypeId: '10001', fields: { [PARENT_FIELD]: { id: 'ACME', value: 'Acme Ltd' } } }, user: { accountId: 'acc-1' } };

/** PUT with the version just read, so the baseline request is accepted. */
const putWithVersion = (base: string, made: (f: TenantFixtures) => Promise<Record<string, unknown>>, body: (f: TenantFixtures) => Promise<Record<string, unknown>>) =>
  async (f: TenantFixtures): Promise<ValidRequest> => {
    const current = await f.read(`${base}/${id(await made(f))}`);
    return { params: { id: id(current) }, body: { ...(await body(f)), version: current.version } };
  };

export const ROUTE_TABLE: RouteEntry[] = [
  // Forge lifecycle, as delivered: each only from the platform's delivery to its own endpoint.
  { key: 'POST /v1/lifecycle', caller: 'lifecycle', accepts: ['lifecycle'], valid: async () => ({ params: {}, body: upgradedEvent() }), isolation: lifecycleOfItsOwn },
  { key: 'POST /v1/lifecycle/uninstall', caller: 'uninstall', accepts: ['uninstall'], valid: async () => ({ params: {}, body: preUninstallBody() }), isolation: lifecycleOfItsOwn },
  // datasources
  { key: `GET ${DS}`, valid: async (f) => (await f.datasource(), { params: {}, query: 'limit=50' }), isolation: listedUnder('datasources') },
  { key: `POST ${DS}`, valid: async () => ({ params: {}, body: staticDatasourceBody('Created by the proof') }), isolation: createdUnder(DS, 'datasources') },
  { key: `GET ${DS}/:id`, valid: dsId, isolation: ownedBy((r) => `${DS}/${r.params.id}`) },
  {
    key: `PUT ${DS}/:id`,
    valid: putWithVersion(DS, (f) => f.datasource(), async () => staticDatasourceBody('Renamed')),
    isolation: ownedBy((r) => `${DS}/${r.params.id}`),
  },
  { key: `DELETE ${DS}/:id`, valid: async (f) => ({ params: { id: id(await f.freshDatasource()) } }), isolation: ownedBy((r) => `${DS}/${r.params.id}`) },
  { key: `POST ${DS}/:id/test`, valid: dsId, isolation: ownedBy((r) => `${DS}/${r.params.id}`) },
  { key: `POST ${DS}/:id/cache/clear`, valid: dsId, isolation: ownedBy((r) => `${DS}/${r.params.id}`) },
  // fields
  { key: `GET ${FIELDS}`, valid: async (f) => (await f.field(), { params: {}, query: 'limit=50' }), isolation: listedUnder('fields') },
  {
    key: `POST ${FIELDS}`,
    valid: async (f) => ({ params: {}, body: fieldBody(id(await f.datasource()), 'customfield_30000') }),
    // A's body names A's datasource: B may not attach a field to it.
    isolation: async (check) => {
      await refusedAndUnchanged(FIELDS)(check);
      expect((await check.b.read(FIELDS)).fields).toEqual([]);
    },
  },
  { key: `GET ${FIELDS}/:id`, valid: fieldId, isolation: ownedBy((r) => `${FIELDS}/${r.params.id}`) },
  {
    key: `PUT ${FIELDS}/:id`,
    valid: putWithVersion(FIELDS, (f) => f.field(), async (f) => ({ ...fieldBody(id(await f.datasource()), PARENT_FIELD), name: 'Renamed' })),
    isolation: ownedBy((r) => `${FIELDS}/${r.params.id}`),
  },
  { key: `DELETE ${FIELDS}/:id`, valid: async (f) => ({ params: { id: id(await f.freshField()) } }), isolation: ownedBy((r) => `${FIELDS}/${r.params.id}`) },
  {
    key: `POST ${FIELDS}/:id/preview`,
    valid: async (f) => ({ ...(await fieldId(f)), body: { context: issueContext, input: 'Ac', overrides: {} } }),
    isolation: ownedBy((r) => `${FIELDS}/${r.params.id}`),
  },
  // runtime (any module's token)
  {
    key: 'POST /v1/fields/:id/options',
    accepts: CALLERS,
    valid: async (f) => ({ ...(await fieldId(f)), body: { context: issueContext, input: '', limit: 50 } }),
    isolation: ownedBy((r) => `${FIELDS}/${r.params.id}`),
  },
  {
    key: 'POST /v1/fields/recalculate',
    accepts: CALLERS,
    valid: async (f) => (await f.childField(), { params: {}, body: { context: issueContext, changed: [PARENT_FIELD] } }),
    isolation: listedUnder('fields'),
  },
  // Automation steps, the value function and the JQL function: the app's functions only (they compute as the app)
  {
    key: 'POST /v1/fields/:id/resolve',
    accepts: RESOLVER_CALLERS,
    valid: async (f) => ({ ...(await fieldId(f)), body: { context: issueContext, ids: ['ACME'] } }),
    isolation: ownedBy((r) => `${FIELDS}/${r.params.id}`),
  },
  {
    key: 'POST /v1/fields/refresh',
    accepts: RESOLVER_CALLERS,
    valid: async (f) => (await f.childField(), { params: {}, body: { context: issueContext, fields: [PARENT_FIELD] } }),
    isolation: listedUnder('fields'),
  },
  {
    key: 'POST /v1/fields/:id/values',
    accepts: RESOLVER_CALLERS,
    valid: async (f) => ({ ...(await fieldId(f)), body: { issues: [{ id: ISSUE_ID }] } }),
    isolation: ownedBy((r) => `${FIELDS}/${r.params.id}`),
  },
  {
    key: 'POST /v1/fields/:id/jql',
    accepts: RESOLVER_CALLERS,
    valid: async (f) => ({ ...(await fieldId(f)), body: { input: 'Ac' } }),
    isolation: ownedBy((r) => `${FIELDS}/${r.params.id}`),
  },
  // items and mappings
  { key: `GET ${ITEMS}`, valid: async (f) => (await f.item(), { params: {}, query: 'limit=50' }), isolation: listedUnder('items') },
  {
    key: `POST ${ITEMS}`,
    valid: async (f) => ({ params: {}, body: itemBody(id(await f.datasource()), 'connected_item_900') }),
    isolation: async (check) => {
      await refusedAndUnchanged(ITEMS)(check);
      expect((await check.b.read(ITEMS)).items).toEqual([]);
    },
  },
  {
    key: 'POST /v1/items/:id/options',
    accepts: RESOLVER_CALLERS,
    valid: async (f) => ({ ...(await itemId(f)), body: { context: issueContext, input: '', limit: 50 } }),
    isolation: ownedBy((r) => `${ITEMS}/${r.params.id}`),
  },
  // connected item values of an issue: B sees none of A's, cannot write with A's items, and
  // dropping "its" issue's values leaves A's in place
  {
    key: 'GET /v1/issues/:issueId/items',
    accepts: RESOLVER_CALLERS,
    valid: async (f) => (await f.issueValues(), { params: { issueId: ISSUE_ID } }),
    isolation: async ({ entry, a, b, request }) => {
      expect((await sendEntry(a.tenant, entry, request)).json().items.length).toBeGreaterThan(0);
      const theirs = await sendEntry(b.tenant, entry, request);
      expect(theirs.statusCode).toBe(200);
      expect(theirs.json().items.flatMap((i: { values: unknown[] }) => i.values)).toEqual([]);
    },
  },
  {
    key: 'PUT /v1/issues/:issueId/items',
    accepts: RESOLVER_CALLERS,
    valid: async (f) => ({ params: { issueId: ISSUE_ID }, body: { items: [{ itemId: id(await f.item()), values: [{ id: 'GLOBX' }] }] } }),
    isolation: async (check) => {
      await f0(check.a);
      await refusedAndUnchanged(`/v1/issues/${ISSUE_ID}/items`)(check);
    },
  },
  {
    key: 'DELETE /v1/issues/:issueId/items',
    accepts: ['admin', 'adminResolver', 'trigger'],
    // (an issue of its own: the fuzzer deletes its values over and over)
    valid: async () => ({ params: { issueId: '10199' } }),
    isolation: async ({ entry, a, b }) => {
      await f0(a);
      const before = (await a.tenant.send('GET', `/v1/issues/${ISSUE_ID}/items`)).json();
      const res = await sendEntry(b.tenant, entry, { params: { issueId: ISSUE_ID } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().deleted).toBe(0);
      expect((await a.tenant.send('GET', `/v1/issues/${ISSUE_ID}/items`)).json()).toEqual(before);
    },
  },
  { key: `GET ${ITEMS}/:id`, valid: itemId, isolation: ownedBy((r) => `${ITEMS}/${r.params.id}`) },
  {
    key: `PUT ${ITEMS}/:id`,
    valid: putWithVersion(ITEMS, (f) => f.item(), async (f) => ({ ...itemBody(id(await f.datasource())), name: 'Renamed' })),
    isolation: ownedBy((r) => `${ITEMS}/${r.params.id}`),
  },
  { key: `DELETE ${ITEMS}/:id`, valid: async (f) => ({ params: { id: id(await f.freshItem()) } }), isolation: ownedBy((r) => `${ITEMS}/${r.params.id}`) },
  { key: 'GET /v1/admin/mappings', valid: async (f) => (await f.mappings(), { params: {} }), isolation: listedUnder('mappings') },
  {
    key: 'PUT /v1/admin/mappings',
    valid: async (f) => {
      const current = await f.read('/v1/admin/mappings');
      return { params: {}, body: { version: current.version, mappings: [{ itemId: id(await f.item()), projectId: '10000', issueTypeIds: ['10001', '10002'] }] } };
    },
    isolation: refusedAndUnchanged('/v1/admin/mappings'),
  },
  {
    key: 'PATCH /v1/admin/mappings',
    valid: async (f) => {
      const current = await f.read('/v1/admin/mappings');
      return { params: {}, body: { version: current.version, set: [{ itemId: id(await f.item()), projectId: '10000', issueTypeIds: ['10001'] }], remove: [{ itemId: id(await f.item()), projectId: '10001' }] } };
    },
    isolation: refusedAndUnchanged('/v1/admin/mappings'),
  },
  // support export / import, egress report, audit
  {
    key: 'GET /v1/admin/export',
    valid: async (f) => (await f.everything(), { params: {} }),
    isolation: async ({ entry, a, b, request }) => {
      const mine = (await sendEntry(a.tenant, entry, request)).json();
      const theirs = (await sendEntry(b.tenant, entry, request)).json();
      for (const part of ['datasources', 'fields', 'items', 'mappings']) {
        expect(mine[part].length, `A exports its ${part}`).toBeGreaterThan(0);
        expect(theirs[part], part).toEqual([]);
      }
    },
  },
  {
    key: 'POST /v1/admin/import',
    valid: async (f) => (await f.everything(), { params: {}, body: await f.read('/v1/admin/export'), query: 'mode=replace' }),
    // B importing A's document gets copies under new ids in B; A's objects stay A's and unchanged.
    isolation: async ({ entry, a, b, request }) => {
      const aExport = await a.read('/v1/admin/export');
      const res = await sendEntry(b.tenant, entry, request);
      expect(res.statusCode, res.body).toBe(200);
      const bExport = await b.read('/v1/admin/export');
      const idsOf = (doc: Record<string, unknown>) =>
        ['datasources', 'fields', 'items'].flatMap((p) => (doc[p] as Array<{ id: string }>).map((x) => x.id));
      for (const aId of idsOf(aExport)) expect(idsOf(bExport)).not.toContain(aId);
      const again = await a.read('/v1/admin/export');
      expect({ ...again, exportedAt: null }).toEqual({ ...aExport, exportedAt: null });
    },
  },
  {
    key: 'GET /v1/admin/egress',
    valid: async (f) => (await f.everything(), { params: {} }),
    isolation: async ({ entry, a, b, request }) => {
      const count = (doc: { categories: Array<{ name: string; count: number | null }> }, name: string) => doc.categories.find((x) => x.name === name)?.count;
      const mine = (await sendEntry(a.tenant, entry, request)).json();
      const theirs = (await sendEntry(b.tenant, entry, request)).json();
      for (const name of ['datasources', 'fields', 'items', 'mappings']) {
        expect(count(mine, name), `A's ${name}`).toBeGreaterThan(0);
        expect(count(theirs, name), `B's ${name}`).toBe(0);
      }
    },
  },
  // Jira events from the app's issue-deleted trigger (no user): B's "issue deleted" for the same
  // issue id drops nothing of A's.
  {
    key: 'POST /v1/events/jira',
    caller: 'trigger',
    accepts: ['trigger'],
    valid: async () => ({ params: {}, body: { eventType: 'avi:jira:deleted:issue', issue: { id: '10188', key: 'PRJ-188' } } }),
    isolation: async ({ a, b }) => {
      await f0(a);
      const before = (await a.tenant.send('GET', `/v1/issues/${ISSUE_ID}/items`)).json();
      expect(before.items.length).toBeGreaterThan(0);
      const res = await b.trigger.send('POST', '/v1/events/jira', { body: { eventType: 'avi:jira:deleted:issue', issue: { id: ISSUE_ID } } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ handled: true, deleted: 0 });
      expect((await a.tenant.send('GET', `/v1/issues/${ISSUE_ID}/items`)).json()).toEqual(before);
    },
  },
  { key: 'GET /v1/admin/audit', valid: async (f) => (await f.datasource(), { params: {}, query: 'limit=50' }), isolation: listedUnder('events') },
  // datasource health for the admin page's chart: a tenant's own datasources only
  { key: 'GET /v1/admin/health', valid: async (f) => (await f.datasource(), { params: {} }), isolation: listedUnder('datasources') },
];
