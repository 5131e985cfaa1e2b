// Secrets stay with the place they were given for (DESIGN.md): a PUT or a replacing import that
// changes where a datasource connects without giving its secrets again is refused (422
// secrets_required) and stores nothing; custom headers that carry credentials are write-only like
// secrets and are not carried to another origin by a redirect. Two real local servers: the one the
// datasource was set up for, and the one an attacker would point it at, which records what it got.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { startSampleUpstream, type SampleUpstream } from '../helpers/sample-upstream.js';
import { createDatasource, previewOf, testConnection } from './connector-fixtures.js';

const PASSWORD = 'placement-password-3k9x';
const HEADER_TOKEN = 'placement-header-token-8q2w';
const NEW_PASSWORD = 'placement-password-new-5t1z';
const NEW_HEADER_TOKEN = 'placement-header-new-6y4u';
const CLIENT_SECRET = 'placement-client-secret-2m7n';

describe.each(databaseKinds())('where secrets may go, on %s', (kind) => {
  let c: TestCompanion;
  let home: SampleUpstream;
  let elsewhere: SampleUpstream;
  const crm = () => ({
    name: 'CRM',
    type: 'rest',
    config: { baseUrl: home.url, testPath: '/health', headers: { 'X-Api-Token': HEADER_TOKEN, 'X-Tenant': 'blue' }, auth: { mode: 'basic', username: 'svc' } },
    secrets: { password: PASSWORD },
  });
  const stored = (id: string) => c.db.datasource.findUnique({ where: { id } });
  const sentTo = (up: SampleUpstream) => JSON.stringify(up.requests.map((r) => r.headers));

  beforeAll(async () => {
    home = await startSampleUpstream();
    elsewhere = await startSampleUpstream();
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
  });
  afterAll(async () => {
    await c?.close();
    await home?.close();
    await elsewhere?.close();
  });

  it('never answers a credential header: it shows as a secret flag, and a PUT that omits it keeps it', async () => {
    const id = await createDatasource(c, crm());
    const got = await c.call('GET', `/v1/admin/datasources/${id}`);
    expect(got.json()).toMatchObject({ config: { headers: { 'X-Tenant': 'blue' } }, secrets: { password: true, headers: { 'X-Api-Token': true } } });
    expect(got.json().config.headers).toEqual({ 'X-Tenant': 'blue' });
    const list = await c.call('GET', '/v1/admin/datasources');
    for (const body of [got.body, list.body]) {
      expect(body).not.toContain(HEADER_TOKEN);
      expect(body).not.toContain(PASSWORD);
    }
    // The admin page sends back what it read: the header it never saw stays and is still sent.
    const renamed = await c.call('PUT', `/v1/admin/datasources/${id}`, { body: { name: 'CRM 2', type: 'rest', config: got.json().config, version: got.json().version } });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.body).not.toContain(HEADER_TOKEN);
    expect((await testConnection(c, id)).json()).toMatchObject({ ok: true });
    expect(home.requests.at(-1)!.headers['x-api-token']).toBe(HEADER_TOKEN);
    // Removed only when asked to.
    const removed = await c.call('PUT', `/v1/admin/datasources/${id}`, {
      body: { name: 'CRM 2', type: 'rest', config: got.json().config, secrets: { headers: { 'x-api-token': null } }, version: renamed.json().version },
    });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json().secrets).toEqual({ password: true });
    expect((await stored(id))!.config).toEqual({ ...crm().config, headers: { 'X-Tenant': 'blue' } });
  });

  it('refuses a PUT that moves a REST datasource without its secrets (422 secrets_required), storing nothing and sending nothing there', async () => {
    const id = await createDatasource(c, crm());
    const view = (await c.call('GET', `/v1/admin/datasources/${id}`)).json();
    const before = await stored(id);
    const put = (config: Record<string, unknown>, secrets?: Record<string, unknown>) =>
      c.call('PUT', `/v1/admin/datasources/${id}`, { body: { name: view.name, type: 'rest', config, ...(secrets ? { secrets } : {}), version: view.version } });

    const moved = await put({ ...view.config, baseUrl: elsewhere.url });
    expect(moved.statusCode, moved.body).toBe(422);
    expect(moved.json().error).toMatchObject({ code: 'secrets_required', message: expect.stringContaining('password, headers.X-Api-Token') });
    expect(moved.json().error.details.map((d: { path: string }) => d.path)).toEqual(['/secrets/password', '/config/headers/X-Api-Token']);
    // Half of them is not enough either.
    const half = await put({ ...view.config, baseUrl: elsewhere.url }, { password: NEW_PASSWORD });
    expect(half.statusCode).toBe(422);
    expect(half.json().error.details).toEqual([{ path: '/config/headers/X-Api-Token', message: expect.any(String) }]);
    expect(await stored(id)).toEqual(before);
    expect((await testConnection(c, id)).json()).toMatchObject({ ok: true });
    expect(elsewhere.requests).toHaveLength(0);

    // With every secret given again (or removed) the move is the admin's choice.
    const again = await put({ ...view.config, baseUrl: elsewhere.url, headers: { ...view.config.headers, 'X-Api-Token': NEW_HEADER_TOKEN } }, { password: NEW_PASSWORD });
    expect(again.statusCode, again.body).toBe(200);
    expect((await testConnection(c, id)).json()).toMatchObject({ ok: true });
    const got = sentTo(elsewhere);
    expect(got).toContain(NEW_HEADER_TOKEN);
    expect(got).toContain(Buffer.from(`svc:${NEW_PASSWORD}`).toString('base64'));
    expect(got).not.toContain(HEADER_TOKEN);
    expect(got).not.toContain(Buffer.from(`svc:${PASSWORD}`).toString('base64'));
    const dropped = await c.call('PUT', `/v1/admin/datasources/${id}`, {
      body: { name: 'CRM', type: 'rest', config: { ...view.config, baseUrl: home.url, auth: { mode: 'none' } }, secrets: { password: null, headers: { 'X-Api-Token': null } }, version: again.json().version },
    });
    expect(dropped.statusCode, dropped.body).toBe(200);
  });

  it('refuses moving an OAuth2 token URL or a SQL host, port or database without the secret', async () => {
    const oauth = await createDatasource(c, {
      type: 'rest',
      config: { baseUrl: home.url, auth: { mode: 'oauth2ClientCredentials', tokenUrl: `${home.url}/oauth/token`, clientId: 'oc' } },
      secrets: { clientSecret: CLIENT_SECRET },
    });
    const sql = await createDatasource(c, { type: 'postgresql', config: { host: 'erp.example.com', database: 'erp', user: 'reader' }, secrets: { password: PASSWORD } });
    const cases: Array<[string, Record<string, unknown>]> = [
      [oauth, { baseUrl: home.url, auth: { mode: 'oauth2ClientCredentials', tokenUrl: `${elsewhere.url}/oauth/token`, clientId: 'oc' } }],
      [sql, { host: 'evil.example.com', database: 'erp', user: 'reader' }],
      [sql, { host: 'erp.example.com', port: 6543, database: 'erp', user: 'reader' }],
      [sql, { host: 'erp.example.com', database: 'other', user: 'reader' }],
    ];
    for (const [id, config] of cases) {
      const view = (await c.call('GET', `/v1/admin/datasources/${id}`)).json();
      const before = await stored(id);
      const res = await c.call('PUT', `/v1/admin/datasources/${id}`, { body: { name: view.name, type: view.type, config, version: view.version } });
      expect(res.statusCode, JSON.stringify(config)).toBe(422);
      expect(res.json().error.code).toBe('secrets_required');
      expect(await stored(id)).toEqual(before);
    }
    // What does not change where it connects needs nothing again: another user, pool size, the default port spelled out.
    const view = (await c.call('GET', `/v1/admin/datasources/${sql}`)).json();
    const same = await c.call('PUT', `/v1/admin/datasources/${sql}`, {
      body: { name: view.name, type: 'postgresql', config: { host: 'ERP.example.com', port: 5432, database: 'erp', user: 'writer', poolSize: 2 }, version: view.version },
    });
    expect(same.statusCode, same.body).toBe(200);
    expect(same.json().secrets).toEqual({ password: true });
  });

  it('refuses a replacing import that moves a datasource with stored secrets; one that keeps the place keeps them', async () => {
    elsewhere.reset();
    const tenant = { installationId: 'install-placement-import' };
    const id = await createDatasource(c, crm(), tenant);
    const doc = (await c.call('GET', '/v1/admin/export', tenant)).json();
    const before = await c.db.datasource.findMany({ where: { tenantId: (await stored(id))!.tenantId }, orderBy: { id: 'asc' } });
    const moved = { ...doc, datasources: doc.datasources.map((d: { config: object }) => ({ ...d, config: { ...d.config, baseUrl: elsewhere.url } })) };
    const res = await c.call('POST', '/v1/admin/import?mode=replace', { ...tenant, body: moved });
    expect(res.statusCode, res.body).toBe(422);
    expect(res.json().error).toMatchObject({ code: 'secrets_required', message: expect.stringContaining('password, headers.X-Api-Token') });
    expect(await c.db.datasource.findMany({ where: { tenantId: before[0]!.tenantId }, orderBy: { id: 'asc' } })).toEqual(before);
    expect((await testConnection(c, id, tenant)).json()).toMatchObject({ ok: true });
    expect(elsewhere.requests).toHaveLength(0);

    const kept = await c.call('POST', '/v1/admin/import?mode=replace', { ...tenant, body: doc });
    expect(kept.statusCode, kept.body).toBe(200);
    expect(kept.json().secretsToEnter).toEqual([]);
    expect((await c.call('GET', `/v1/admin/datasources/${id}`, tenant)).json().secrets).toEqual({ password: true, headers: { 'X-Api-Token': true } });
    expect((await testConnection(c, id, tenant)).json()).toMatchObject({ ok: true });
    expect(home.requests.at(-1)!.headers['x-api-token']).toBe(HEADER_TOKEN);
  });

  it('does not carry a credential header to another origin on a redirect, but keeps the others', async () => {
    elsewhere.reset();
    const { res } = await previewOf(
      c,
      { type: 'rest', config: { baseUrl: home.url, headers: { 'X-Api-Token': HEADER_TOKEN, Cookie: 'session=placement-cookie-1', 'X-Tenant': 'blue' } } },
      { query: `/redirect?to=${encodeURIComponent(`${elsewhere.url}/projects`)}` },
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(home.requests.at(-1)!.headers['x-api-token']).toBe(HEADER_TOKEN);
    expect(elsewhere.requests).toHaveLength(1);
    const received = elsewhere.requests[0]!.headers;
    expect(received['x-tenant']).toBe('blue');
    expect(received['x-api-token']).toBeUndefined();
    expect(received.cookie).toBeUndefined();
  });
});
