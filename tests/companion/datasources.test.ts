import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { hasErrorShape } from '../proof/support/proof-client.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';

const restDatasource = {
  name: 'CRM',
  type: 'rest',
  config: { baseUrl: 'https://crm.example.com/api', testPath: '/health', auth: { mode: 'basic', username: 'svc' } },
  secrets: { password: 'hunter2-very-secret' },
};

describe.each(databaseKinds())('datasources on %s', (kind) => {
  let c: TestCompanion;
  beforeAll(async () => {
    c = await startTestCompanion(kind);
  });
  afterAll(async () => c?.close());

  it('creates, reads, lists, updates with a version and deletes', async () => {
    const created = await c.call('POST', '/v1/admin/datasources', { body: restDatasource });
    expect(created.statusCode).toBe(201);
    const ds = created.json();
    expect(ds).toMatchObject({ name: 'CRM', type: 'rest', version: 1, cacheTtlSeconds: 300, timeoutMs: 10000, secrets: { password: true } });
    expect(created.body).not.toContain('hunter2');

    const got = await c.call('GET', `/v1/admin/datasources/${ds.id}`);
    expect(got.json()).toEqual(ds);

    const list = await c.call('GET', '/v1/admin/datasources');
    expect(list.json().datasources.map((d: { id: string }) => d.id)).toContain(ds.id);

    const updated = await c.call('PUT', `/v1/admin/datasources/${ds.id}`, {
      body: { ...restDatasource, secrets: undefined, name: 'CRM 2', version: 1 },
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ name: 'CRM 2', version: 2, secrets: { password: true } });

    const stale = await c.call('PUT', `/v1/admin/datasources/${ds.id}`, { body: { ...restDatasource, version: 1 } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('version_conflict');

    const removed = await c.call('DELETE', `/v1/admin/datasources/${ds.id}`);
    expect(removed.statusCode).toBe(204);
    expect((await c.call('GET', `/v1/admin/datasources/${ds.id}`)).statusCode).toBe(404);
    const row = await c.db.datasource.findUnique({ where: { id: ds.id } });
    expect(row?.deletedAt).not.toBeNull();
    expect(row?.purgeAt?.getTime()).toBe(c.clock.now().getTime() + 30 * 24 * 3600 * 1000);
  });

  it('rejects bad input with 400 and the error shape, and stores nothing', async () => {
    const before = await c.db.datasource.count();
    for (const body of [
      {},
      { name: 'x', type: 'ftp' },
      { name: 'x', type: 'rest', config: { baseUrl: 'not a url' } },
      { name: 'x', type: 'rest', config: { baseUrl: 'https://a' }, secrets: { sshKey: 'k' } },
      { name: 'x', type: 'postgresql', config: { host: 'db' } },
      { ...restDatasource, surprise: true },
      // Postgres refuses NUL in text: the database's own refusal still becomes a 400.
      { name: 'a\u0000b', type: 'jira' },
      // Bodies are not coerced: null is not silently 0 ("cache off").
      { name: 'x', type: 'jira', cacheTtlSeconds: null },
      { name: 'x', type: 'jira', timeoutMs: '5000' },
    ]) {
      const res = await c.call('POST', '/v1/admin/datasources', { body });
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(hasErrorShape(res.body), res.body).toBe(true);
    }
    // JSON.parse turns 1e309 into Infinity, which Ajv takes for an integer within any maximum.
    const infinite = await c.call('POST', '/v1/admin/datasources', {
      body: '{"name":"big","type":"jira","cacheTtlSeconds":1e309}',
      headers: { 'content-type': 'application/json' },
    });
    expect(infinite.statusCode).toBe(400);
    const badJson = await c.call('POST', '/v1/admin/datasources', { body: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error.code).toBe('invalid_json');
    expect(await c.db.datasource.count()).toBe(before);
  });

  it('answers 404 for unknown and malformed ids, and for another tenant', async () => {
    const ds = (await c.call('POST', '/v1/admin/datasources', { body: restDatasource })).json();
    expect((await c.call('GET', '/v1/admin/datasources/00000000-0000-0000-0000-000000000000')).statusCode).toBe(404);
    expect((await c.call('GET', '/v1/admin/datasources/not-a-uuid')).statusCode).toBe(404);
    const other = { installationId: 'install-b' };
    expect((await c.call('GET', `/v1/admin/datasources/${ds.id}`, other)).statusCode).toBe(404);
    expect((await c.call('PUT', `/v1/admin/datasources/${ds.id}`, { ...other, body: { ...restDatasource, version: 1 } })).statusCode).toBe(404);
    expect((await c.call('DELETE', `/v1/admin/datasources/${ds.id}`, other)).statusCode).toBe(404);
    expect((await c.call('GET', '/v1/admin/datasources', other)).json().datasources).toEqual([]);
  });

  it('refuses to delete a datasource a field uses', async () => {
    const ds = (await c.call('POST', '/v1/admin/datasources', { body: restDatasource })).json();
    const tenant = await c.db.tenant.findUniqueOrThrow({ where: { installationId: 'install-a' } });
    await c.db.field.create({
      data: { tenantId: tenant.id, key: 'customfield_10050', name: 'Customer', datasourceId: ds.id, editor: 'select', storage: 'object' },
    });
    const res = await c.call('DELETE', `/v1/admin/datasources/${ds.id}`);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('datasource_in_use');
    expect(res.json().error.message).toContain('customfield_10050');
  });

  it('keeps secrets encrypted at rest and out of every response and log line', async () => {
    const secret = 'pg-password-Zq81!';
    const created = await c.call('POST', '/v1/admin/datasources', {
      body: { name: 'ERP', type: 'postgresql', config: { host: 'erp.example.com', database: 'erp', user: 'reader' }, secrets: { password: secret } },
    });
    expect(created.statusCode).toBe(201);
    const ds = created.json();
    const responses = [created.body, (await c.call('GET', `/v1/admin/datasources/${ds.id}`)).body, (await c.call('GET', '/v1/admin/datasources')).body];
    for (const body of responses) expect(body).not.toContain(secret);
    const tables = await c.db.$queryRawUnsafe<Array<{ table_name: string }>>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    for (const { table_name } of tables) {
      const rows = await c.db.$queryRawUnsafe<unknown[]>(`SELECT * FROM "${table_name}"`);
      expect(JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v)), table_name).not.toContain(secret);
    }
    expect(c.logs.join('\n')).not.toContain(secret);
    const row = await c.db.datasource.findUniqueOrThrow({ where: { id: ds.id } });
    expect(row.secrets).toMatchObject({ password: { kid: 'k1', iv: expect.any(String), tag: expect.any(String), ct: expect.any(String) } });
  });
});

describe.each(databaseKinds())('datasource lists on %s', (kind) => {
  let c: TestCompanion;
  beforeAll(async () => {
    c = await startTestCompanion(kind);
  });
  afterAll(async () => c?.close());

  it('pages with a cursor and refuses a cursor it did not give out', async () => {
    for (const name of ['one', 'two', 'three']) {
      expect((await c.call('POST', '/v1/admin/datasources', { body: { name, type: 'jira' } })).statusCode).toBe(201);
    }
    const first = (await c.call('GET', '/v1/admin/datasources?limit=2')).json();
    expect(first.datasources).toHaveLength(2);
    const second = (await c.call('GET', `/v1/admin/datasources?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second).toMatchObject({ datasources: [expect.any(Object)], nextCursor: null });
    const names = [...first.datasources, ...second.datasources].map((d: { name: string }) => d.name).sort();
    expect(names).toEqual(['one', 'three', 'two']);
    for (const list of ['datasources', 'fields', 'items']) {
      for (const query of ['cursor=.%25i.wJ', 'limit=1e309', 'limit=0', 'cursor=%00']) {
        const res = await c.call('GET', `/v1/admin/${list}?${query}`);
        expect(res.statusCode, `${list}?${query}`).toBe(400);
        expect(res.json().error.code).toEqual(expect.any(String));
      }
    }
  });
});
