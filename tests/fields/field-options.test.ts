import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { runtimeCaches } from '../../companion/cache/runtime-caches.js';
import { CountingUpstream } from './support/counting-upstream.js';
import { createCustomerField } from './support/rest-field.js';

const EDIT = { moduleKey: 'connected-field-edit' };
const HOUR = 3600_000;

describe.each(databaseKinds())('field options and the cache on %s', (kind) => {
  let c: TestCompanion;
  let up: CountingUpstream;
  let ds: { id: string; version: number };
  let n = 40000;

  const newField = async (extra: Record<string, unknown> = {}) => {
    n += 1;
    return createCustomerField(c, ds.id, n, extra);
  };
  const options = (ref: string, body: Record<string, unknown> = {}) => c.call('POST', `/v1/fields/${ref}/options`, { ...EDIT, body });
  const hitsOf = (f: { key: string }) => up.count(`/customers?f=${f.key.slice('customfield_'.length)}`);

  beforeAll(async () => {
    up = await CountingUpstream.start();
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
    const res = await c.call('POST', '/v1/admin/datasources', {
      body: { name: 'CRM', type: 'rest', config: { baseUrl: up.url, auth: { mode: 'none' } } },
    });
    ds = res.json();
  });
  afterAll(async () => {
    await c?.close();
    await up?.stop();
  });
  beforeEach(() => {
    up.failing = false;
  });

  it('answers options by id and by key, paged, with the cache state', async () => {
    const f = await newField();
    const first = await options(f.id, { limit: 30 });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ cache: 'miss', nextCursor: '30' });
    expect(first.json().options).toHaveLength(30);
    expect(first.json().options[0]).toEqual({ id: 'c1', value: 'Customer 1' });

    const next = await options(f.key, { limit: 30, cursor: '90' });
    expect(next.json()).toMatchObject({ cache: 'hit', nextCursor: null });
    expect(next.json().options.map((o: { id: string }) => o.id)).toEqual(Array.from({ length: 10 }, (_, i) => `c${91 + i}`));
    expect((await options(f.key)).json().options).toHaveLength(100);
    expect(hitsOf(f)).toBe(1);

    // Typed input narrows a query that does not use $userInput.
    expect((await options(f.key, { input: 'customer 10' })).json().options.map((o: { id: string }) => o.id)).toEqual(['c10', 'c100']);
    expect((await options(f.key, { cursor: 'x' })).statusCode).toBe(400);
    expect((await options(f.key, { limit: 0 })).statusCode).toBe(400);
    expect((await options('customfield_99999999')).statusCode).toBe(404);
    expect((await c.call('POST', `/v1/fields/${f.id}/options`, { ...EDIT, installationId: 'install-b', body: {} })).statusCode).toBe(404);
  });

  it('answers a whole cached list with the same bytes and type as a serialized answer', async () => {
    const f = await newField();
    const miss = await options(f.id);
    expect(miss.json().cache).toBe('miss');
    const hit = await options(f.id);
    expect(hit.statusCode).toBe(200);
    expect(hit.headers['content-type']).toBe(miss.headers['content-type']);
    expect(hit.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(hit.body).toBe(miss.body.replace('"cache":"miss"', '"cache":"hit"'));
    expect((await options(f.key)).body).toBe(hit.body);
    // A page of the same entry is its own answer.
    expect((await options(f.key, { limit: 10 })).json()).toEqual({ options: miss.json().options.slice(0, 10), nextCursor: '10', cache: 'hit' });
    // Read back from the shared layer, the entry answers the same bytes.
    const caches = runtimeCaches(c.app.companion);
    await caches.options.settled();
    const tenantId = (await c.db.field.findUniqueOrThrow({ where: { id: f.id } })).tenantId;
    caches.options.forgetConfig(tenantId, f.id);
    expect((await options(f.id)).body).toBe(hit.body);
    expect((await options(f.id)).body).toBe(hit.body);
    expect(hitsOf(f)).toBe(1);
  });

  it('keeps an entry for the TTL (fake clock), then asks the upstream again', async () => {
    const f = await newField();
    expect((await options(f.id)).json().cache).toBe('miss');
    c.clock.advance(299_000);
    expect((await options(f.id)).json().cache).toBe('hit');
    expect(hitsOf(f)).toBe(1);
    c.clock.advance(2_000);
    expect((await options(f.id)).json().cache).toBe('miss');
    expect(hitsOf(f)).toBe(2);

    const short = await newField({ cacheTtlSeconds: 60 });
    expect((await options(short.id)).json().cache).toBe('miss');
    c.clock.advance(59_000);
    expect((await options(short.id)).json().cache).toBe('hit');
    c.clock.advance(2_000);
    expect((await options(short.id)).json().cache).toBe('miss');
    expect(hitsOf(short)).toBe(2);
  });

  it('with a TTL override of 0 always asks the upstream and stores nothing', async () => {
    const f = await newField({ cacheTtlSeconds: 0 });
    for (let i = 1; i <= 3; i += 1) {
      const res = await options(f.id);
      expect(res.json().cache).toBe('off');
      expect(res.json().options).toHaveLength(100);
      expect(hitsOf(f)).toBe(i);
    }
    await runtimeCaches(c.app.companion).options.settled();
    expect(await c.db.cacheEntry.count({ where: { fieldId: f.id } })).toBe(0);
  });

  it('keeps the shared entry in Postgres under a hash, readable by another instance', async () => {
    const f = await newField({ query: '/customers?f=${issue.customfield_777}' , storage: 'snapshot' });
    const res = await options(f.id, { context: { issue: { key: 'PRJ-1', fields: { customfield_777: 'secret-parent-value' } } } });
    expect(res.json().cache).toBe('miss');
    expect(up.hits.at(-1)!.path).toBe('/customers?f=secret-parent-value');
    const caches = runtimeCaches(c.app.companion);
    await caches.options.settled();
    const rows = await c.db.cacheEntry.findMany({ where: { fieldId: f.id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows[0])).not.toContain('secret-parent-value');
    expect(rows[0]!.expiresAt.getTime()).toBe(c.clock.now().getTime() + 300_000);
    expect(rows[0]!.staleUntil.getTime()).toBe(c.clock.now().getTime() + 24 * HOUR);

    // An instance without the in-process entry finds it in Postgres: a hit, no upstream call.
    caches.options.forgetConfig(rows[0]!.tenantId, f.id);
    const before = up.hits.length;
    const again = await options(f.id, { context: { issue: { key: 'PRJ-1', fields: { customfield_777: 'secret-parent-value' } } } });
    expect(again.json().cache).toBe('hit');
    expect(up.hits.length).toBe(before);
  });

  it('makes one upstream call for concurrent identical misses (single flight)', async () => {
    const f = await newField();
    const tokens = await Promise.all(Array.from({ length: 12 }, () => c.issuer.mint(EDIT)));
    up.hold();
    const answers = Promise.all(tokens.map((token) => c.call('POST', `/v1/fields/${f.id}/options`, { token, body: {} })));
    // Every request is given time to reach the cache while the first upstream answer is held.
    for (let i = 0; i < 100 && hitsOf(f) === 0; i += 1) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    expect(hitsOf(f)).toBe(1);
    up.release();
    const results = await answers;
    expect(results.map((r) => r.statusCode)).toEqual(tokens.map(() => 200));
    expect(results.every((r) => r.json().options.length === 100)).toBe(true);
    expect(hitsOf(f)).toBe(1);
  });

  it('serves the last good options as stale when the upstream fails, for up to 24 h', async () => {
    const f = await newField();
    const good = (await options(f.id)).json().options;
    c.clock.advance(301_000);
    up.failing = true;
    const stale = await options(f.id);
    expect(stale.statusCode).toBe(200);
    expect(stale.json()).toMatchObject({ cache: 'stale', options: good });
    // Only successful answers are cached: the failure did not replace the entry.
    expect((await options(f.id)).json().cache).toBe('stale');
    c.clock.advance(24 * HOUR);
    const gone = await options(f.id);
    expect(gone.statusCode).toBe(502);
    expect(gone.json().error.code).toBeTypeOf('string');

    const never = await newField();
    const failed = await options(never.id);
    expect(failed.statusCode).toBe(502);
    up.failing = false;
    expect((await options(never.id)).json().cache).toBe('miss');
    // Entries past their stale window are swept from Postgres (at most hourly, on a write).
    await runtimeCaches(c.app.companion).options.settled();
    expect(await c.db.cacheEntry.count({ where: { fieldId: f.id } })).toBe(0);
  });

  it('clears a datasource cache, and a changed field or datasource stops matching its entries', async () => {
    const f = await newField();
    await options(f.id);
    expect((await options(f.id)).json().cache).toBe('hit');
    await runtimeCaches(c.app.companion).options.settled();
    expect(await c.db.cacheEntry.count({ where: { datasourceId: ds.id } })).toBeGreaterThan(0);

    const cleared = await c.call('POST', `/v1/admin/datasources/${ds.id}/cache/clear`);
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json().cleared).toBeGreaterThan(0);
    expect(await c.db.cacheEntry.count({ where: { datasourceId: ds.id } })).toBe(0);
    expect((await options(f.id)).json().cache).toBe('miss');
    expect(hitsOf(f)).toBe(2);
    // Cleared means cleared: no stale answer from before the clear.
    await c.call('POST', `/v1/admin/datasources/${ds.id}/cache/clear`);
    up.failing = true;
    expect((await options(f.id)).statusCode).toBe(502);
    up.failing = false;
    expect((await c.call('POST', '/v1/admin/datasources/00000000-0000-4000-8000-000000000000/cache/clear')).statusCode).toBe(404);
    expect((await c.call('POST', `/v1/admin/datasources/${ds.id}/cache/clear`, { installationId: 'install-b' })).statusCode).toBe(404);
    expect((await c.call('POST', `/v1/admin/datasources/${ds.id}/cache/clear`, EDIT)).statusCode).toBe(403);

    expect((await options(f.id)).json().cache).toBe('miss');
    const put = await c.call('PUT', `/v1/admin/fields/${f.id}`, {
      body: { key: f.key, name: 'Renamed', datasourceId: ds.id, editor: 'select', storage: 'object', query: f.query, resultPath: '$.items[*]', idTemplate: '${row.id}', displayTemplate: '${row.name} !', version: f.version },
    });
    expect(put.statusCode, put.body).toBe(200);
    const changed = await options(f.id);
    expect(changed.json().cache).toBe('miss');
    expect(changed.json().options[0]).toEqual({ id: 'c1', value: 'Customer 1 !' });

    const current = (await c.call('GET', `/v1/admin/datasources/${ds.id}`)).json();
    const dsPut = await c.call('PUT', `/v1/admin/datasources/${ds.id}`, {
      body: { name: 'CRM 2', type: 'rest', config: current.config, version: current.version },
    });
    expect(dsPut.statusCode, dsPut.body).toBe(200);
    expect((await options(f.id)).json().cache).toBe('miss');
    expect((await options(f.id)).json().cache).toBe('hit');
  });
});
