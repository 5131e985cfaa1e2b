// Upstream faults: down (connection refused), connection reset, slow past its timeout, garbage,
// 10 MB. Each gives a clear error in the contract's shape (502/504 with its code), or the last good
// options marked `stale` where the cache has them; the companion stays healthy throughout and serves
// again as soon as the upstream does.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { FAULT_ROWS, startFaultUpstream, type FaultMode, type FaultUpstream } from './support/fault-upstream.js';
import { hasErrorShape, tenant, type Tenant } from './support/proof-client.js';
import { TenantFixtures } from './support/tenant-fixtures.js';

const FAULTS: Array<[mode: FaultMode | 'down', status: number, code: string]> = [
  ['down', 502, 'upstream_error'],
  ['reset', 502, 'upstream_error'],
  ['slow', 504, 'upstream_timeout'],
  ['garbage', 502, 'upstream_bad_response'],
  ['huge', 502, 'upstream_too_large'],
];

// The two database kinds side by side: much of this is waiting for upstreams past their timeout.
describeEachDatabase('upstream faults on %s', (kind) => {
  let c: TestCompanion;
  let up: FaultUpstream;
  let admin: Tenant;
  let cached: string;
  let uncached: string;
  let healthy: string;

  beforeAll(async () => {
    up = await startFaultUpstream();
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
    admin = tenant(c, 'faults');
    const ds = await new TenantFixtures(admin).create('/v1/admin/datasources', {
      name: 'Flaky', type: 'rest', config: { baseUrl: up.url, testPath: '/health' }, timeoutMs: 1000, cacheTtlSeconds: 60,
    });
    const field = async (key: string, cacheTtlSeconds: number | null) =>
      String((await new TenantFixtures(admin).create('/v1/admin/fields', {
        key, name: key, datasourceId: ds.id, editor: 'select', storage: 'object', query: '/rows', resultPath: '$.rows[*]',
        idTemplate: '${row.id}', displayTemplate: '${row.name}', cacheTtlSeconds,
      })).id);
    cached = await field('customfield_10301', 60);
    uncached = await field('customfield_10302', 0);
    // A field on a static datasource: proof that the companion still serves while the upstream fails.
    healthy = String((await new TenantFixtures(admin).field()).id);
  });
  afterAll(async () => {
    await c?.close();
    await up?.close();
  });

  const options = (fieldId: string) => admin.send('POST', `/v1/fields/${fieldId}/options`, { body: { input: '' } });
  const expected = FAULT_ROWS.map((r) => ({ id: r.id, value: r.name }));

  async function stillHealthy() {
    expect((await c.app.inject({ url: '/health' })).statusCode).toBe(200);
    expect((await c.app.inject({ url: '/ready' })).statusCode).toBe(200);
    const res = await options(healthy);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().options.length).toBeGreaterThan(0);
  }

  it.each(FAULTS)('upstream %s: a clear %i %s without cache, the last good options marked stale with one', async (mode, status, code) => {
    up.mode = 'ok';
    await up.up();
    const fresh = await options(cached);
    expect(fresh.statusCode, fresh.body).toBe(200);
    expect(fresh.json().options).toEqual(expected);
    // Past the field's TTL: the entry is expired, so the upstream is asked again and fails.
    c.clock.advance(61_000);

    if (mode === 'down') await up.down();
    else up.mode = mode;
    const failing = await options(uncached);
    expect(failing.statusCode, failing.body).toBe(status);
    expect(hasErrorShape(failing.body)).toBe(true);
    expect(failing.json().error.code).toBe(code);
    expect(failing.json().error.message).not.toMatch(/at .*\.ts:\d+|node_modules|ECONN.*127\.0\.0\.1:\d+.*\n/);

    const stale = await options(cached);
    expect(stale.statusCode, stale.body).toBe(200);
    expect(stale.json()).toMatchObject({ options: expected, cache: 'stale' });
    await stillHealthy();

    // The upstream recovers: fresh answers again, no restart.
    up.mode = 'ok';
    await up.up();
    const again = await options(uncached);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json().options).toEqual(expected);
  }, 60_000);

  it('a connection test against an unreachable, resetting or slow upstream says so in 2xx {ok:false} and stays healthy', async () => {
    const dsId = (await admin.send('GET', '/v1/admin/datasources')).json().datasources.find((d: { name: string }) => d.name === 'Flaky').id;
    // (garbage is a 2xx on the test path: the contract's connection test counts that as reachable)
    for (const mode of ['reset', 'slow', 'down'] as const) {
      if (mode === 'down') await up.down();
      else up.mode = mode;
      const res = await admin.send('POST', `/v1/admin/datasources/${dsId}/test`);
      expect(res.statusCode, `${mode}: ${res.body}`).toBe(200);
      expect(res.json().ok, mode).toBe(false);
    }
    up.mode = 'ok';
    await up.up();
    await stillHealthy();
  }, 60_000);
});
