// Who the companion thinks is calling (DESIGN.md "Who is calling"), with real tokens from the test
// issuer: the token's principal on UI-module calls; on a call only the app's own functions can make
// (no principal, `core:endpoint`, a function's key), the user its body names; nothing else. It is
// the audit's actor, and `$currentUser` in templates; no browser-sent body or header changes it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { AS_ADMIN_RESOLVER, AS_FIELD_RESOLVER, AS_ISSUE_EVENTS_ENDPOINT, asIssuePanelUser, type TokenClaims } from '../helpers/forge-tokens.js';
import { startSampleUpstream, type SampleUpstream } from '../helpers/sample-upstream.js';

const ADMIN = '5b10ac8d82e05b22cc7d4ef5';
const OTHER = '557058:f58131cb-b67d-43c7-b30d-6b58d40bd077';
const as = (accountId: string) => ({ context: { user: { accountId } } });
const ADMIN_PAGE_USER: TokenClaims = { moduleKey: 'open-connect-admin', moduleType: 'jira:adminPage', principal: ADMIN };
/** A UI module's token that names no user: whatever its body says is still a browser's. */
const ADMIN_PAGE_NO_USER: TokenClaims = { moduleKey: 'open-connect-admin', moduleType: 'jira:adminPage' };

describe.each(databaseKinds())('the caller on %s', (kind) => {
  let c: TestCompanion;
  let up: SampleUpstream;
  let n = 0;
  const tenant = () => `who-${(n += 1)}`;
  beforeAll(async () => {
    up = await startSampleUpstream();
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
  });
  afterAll(async () => {
    await c?.close();
    await up?.close();
  });
  beforeEach(() => up.reset());

  const actors = async (installationId: string) =>
    ((await c.call('GET', '/v1/admin/audit?limit=50', { installationId })).json().events as Array<{ action: string; actor: string | null }>)
      .map((e) => [e.action, e.actor])
      .reverse();

  it("names the admin the admin resolver's body carries on every kind of admin change", async () => {
    const t = tenant();
    const call = (method: string, url: string, body: Record<string, unknown> = {}) => c.call(method, url, { installationId: t, ...AS_ADMIN_RESOLVER, body: { ...body, ...as(ADMIN) } });
    const ds = (await call('POST', '/v1/admin/datasources', { name: 'CRM', type: 'rest', config: { baseUrl: up.url } })).json();
    expect((await call('PUT', `/v1/admin/datasources/${ds.id}`, { name: 'CRM 2', type: 'rest', config: { baseUrl: up.url }, version: ds.version })).statusCode).toBe(200);
    expect((await call('POST', `/v1/admin/datasources/${ds.id}/cache/clear`)).statusCode).toBe(200);
    const field = (await call('POST', '/v1/admin/fields', { key: 'customfield_10001', name: 'F', datasourceId: ds.id, editor: 'select', storage: 'object', query: '/customers' })).json();
    const item = (await call('POST', '/v1/admin/items', { key: 'connected_item_1', name: 'I', datasourceId: ds.id, editor: 'select', query: '/customers' })).json();
    const mappings = (await c.call('GET', '/v1/admin/mappings', { installationId: t })).json();
    expect((await call('PUT', '/v1/admin/mappings', { version: mappings.version, mappings: [{ itemId: item.id, projectId: '10000' }] })).statusCode).toBe(200);
    expect((await call('DELETE', `/v1/admin/fields/${field.id}`)).statusCode).toBe(204);
    const exported = (await c.call('GET', '/v1/admin/export', { installationId: t })).json();
    expect((await call('POST', '/v1/admin/import?mode=replace', exported)).statusCode).toBe(200);
    const lines = await actors(t);
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect(lines.filter(([, actor]) => actor !== ADMIN)).toEqual([]);
    expect(lines.map(([action]) => action)).toEqual(expect.arrayContaining(['datasource.created', 'datasource.updated', 'datasource.cache_cleared', 'field.created', 'item.created', 'mappings.replaced', 'field.deleted']));
  });

  it("takes a UI module's principal over anything its body or headers claim", async () => {
    const t = tenant();
    const res = await c.call('POST', '/v1/admin/datasources', {
      installationId: t,
      ...ADMIN_PAGE_USER,
      headers: { 'x-forge-principal': OTHER, 'x-account-id': OTHER },
      body: { name: 'A', type: 'static', config: { format: 'json', data: '[]' }, ...as(OTHER) },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(await actors(t)).toEqual([['datasource.created', ADMIN]]);
  });

  it("never believes the body of a UI module's call, nor of a call that is not the app's function", async () => {
    const t = tenant();
    const body = { name: 'B', type: 'static', config: { format: 'json', data: '[]' }, ...as(OTHER) };
    expect((await c.call('POST', '/v1/admin/datasources', { installationId: t, ...ADMIN_PAGE_NO_USER, body })).statusCode).toBe(201);
    // The admin resolver's key with a UI module's type, and a function token with a malformed id.
    expect((await c.call('POST', '/v1/admin/datasources', { installationId: t, moduleKey: 'admin-resolver', moduleType: 'jira:adminPage', body: { ...body, name: 'C' } })).statusCode).toBe(201);
    expect((await c.call('POST', '/v1/admin/datasources', { installationId: t, ...AS_ADMIN_RESOLVER, body: { ...body, name: 'D', ...as('x y') } })).statusCode).toBe(201);
    expect((await c.call('POST', '/v1/admin/datasources', { installationId: t, ...AS_ADMIN_RESOLVER, headers: { 'x-forge-principal': OTHER }, body: { name: 'E', type: 'static', config: { format: 'json', data: '[]' } } })).statusCode).toBe(201);
    expect(await actors(t)).toEqual([
      ['datasource.created', null],
      ['datasource.created', null],
      ['datasource.created', null],
      ['datasource.created', null],
    ]);
  });

  it('templates $currentUser with the caller, whatever the body claims', async () => {
    const t = tenant();
    const ds = (await c.call('POST', '/v1/admin/datasources', { installationId: t, body: { name: 'CRM', type: 'rest', config: { baseUrl: up.url }, cacheTtlSeconds: 0 } })).json();
    const field = await c.call('POST', '/v1/admin/fields', {
      installationId: t,
      body: { key: 'customfield_10002', name: 'Mine', datasourceId: ds.id, editor: 'select', storage: 'object', query: '/customers?country=DE&who=$currentUser.accountId', resultPath: '$.customers[*]', idTemplate: '${row.id}', displayTemplate: '${row.name}', cacheTtlSeconds: 0 },
    });
    expect(field.statusCode, field.body).toBe(201);
    const whoFor = async (claims: TokenClaims, claimed: string) => {
      up.reset();
      const res = await c.call('POST', '/v1/fields/customfield_10002/options', { installationId: t, ...claims, body: { context: { issue: { id: '10001' }, user: { accountId: claimed } } } });
      expect(res.statusCode, res.body).toBe(200);
      return up.requests.find((r) => r.path === '/customers')?.query.who;
    };
    expect(await whoFor(AS_FIELD_RESOLVER, ADMIN)).toBe(ADMIN);
    expect(await whoFor(asIssuePanelUser(ADMIN), OTHER)).toBe(ADMIN);
    expect(await whoFor({ moduleKey: 'open-connect-items-panel', moduleType: 'jira:issuePanel' }, OTHER)).toBe('');
    expect(await whoFor({ ...AS_FIELD_RESOLVER, moduleType: 'jira:customFieldType' }, OTHER)).toBe('');
  });

  it("keeps a UI module's own token off the routes whose permission check is the resolver's", async () => {
    const t = tenant();
    const ds = (await c.call('POST', '/v1/admin/datasources', { installationId: t, body: { name: 'S', type: 'static', config: { format: 'json', data: '[{"id":"1","name":"One"}]' } } })).json();
    const item = (await c.call('POST', '/v1/admin/items', { installationId: t, body: { key: 'connected_item_1', name: 'I', datasourceId: ds.id, editor: 'select', idTemplate: '${row.id}', displayTemplate: '${row.name}' } })).json();
    const user = { installationId: t, ...asIssuePanelUser(OTHER) };
    const write = { items: [{ itemId: item.id, values: [{ id: '1' }] }] };
    for (const [method, url, body] of [
      ['GET', '/v1/issues/10001/items', undefined],
      ['PUT', '/v1/issues/10001/items', write],
      ['POST', `/v1/items/${item.id}/options`, {}],
      ['DELETE', '/v1/issues/10001/items', undefined],
    ] as const) {
      const res = await c.call(method, url, { ...user, ...(body ? { body } : {}) });
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
    }
    expect(await c.db.itemValue.count({ where: { itemId: item.id } })).toBe(0);
    // The resolver's own call writes; dropping the values is the issue-deleted trigger's.
    expect((await c.call('PUT', '/v1/issues/10001/items', { installationId: t, ...AS_FIELD_RESOLVER, body: write })).statusCode).toBe(200);
    expect((await c.call('DELETE', '/v1/issues/10001/items', { installationId: t, ...AS_FIELD_RESOLVER })).statusCode).toBe(403);
    expect((await c.call('DELETE', '/v1/issues/10001/items', { installationId: t, ...AS_ISSUE_EVENTS_ENDPOINT })).json()).toEqual({ deleted: 1 });
  });
});
