// Two real companion processes (`npm start`, as deployed) on one PostgreSQL database, behind no
// balancer: the test calls each directly. They make one upstream call per cache miss between them,
// and each sees a change made through the other on its very next request (no window, no waiting).
// Nothing here is timed: the test waits for events (an upstream hit, a log line), never for a delay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { ForgeTokenIssuer, TEST_APP_ID } from '../helpers/forge-tokens.js';
import { spawnCompanion, type SpawnedCompanion } from '../helpers/spawn-companion.js';
import { CountingUpstream } from '../fields/support/counting-upstream.js';

const INSTALLATION = 'scaled-processes';
const WAITING_LINE = 'another instance is filling this miss';
const FIRST = { id: 'c1', value: 'Customer 1' };

/** Resolves once `condition` holds, checking every 20 ms (the test's own timeout bounds it). */
async function until(condition: () => boolean) {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
}

describe.runIf(databaseKinds().includes('postgres'))('two companion processes on one PostgreSQL', () => {
  let database: TestDatabase;
  let issuer: ForgeTokenIssuer & { jwksUrl: string };
  let upstream: CountingUpstream;
  const dirs: string[] = [];
  let a: SpawnedCompanion;
  let b: SpawnedCompanion;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    issuer = await ForgeTokenIssuer.start();
    upstream = await CountingUpstream.start();
    const env = async () => {
      const dir = await mkdtemp(join(tmpdir(), 'oc-scale-'));
      dirs.push(dir);
      return {
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: '4',
        FORGE_APP_ID: TEST_APP_ID,
        FORGE_JWKS_URL: issuer.jwksUrl,
        COMPANION_ENCRYPTION_KEY: key,
        COMPANION_EGRESS_ALLOW: '127.0.0.1',
        DATA_DIR: dir,
        // The waiting instance says so at debug level: the event the single-flight test waits for.
        LOG_LEVEL: 'debug',
      };
    };
    const key = randomBytes(32).toString('base64');
    [a, b] = await Promise.all([spawnCompanion(await env()), spawnCompanion(await env())]);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await upstream?.stop();
    await issuer?.stop();
    await database?.drop();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  const calls = () => upstream.count('/customers');

  async function call(c: SpawnedCompanion, method: string, path: string, body?: unknown) {
    const token = await issuer.mint({ installationId: INSTALLATION });
    const res = await fetch(`${c.address}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
  }

  async function options(c: SpawnedCompanion, fieldId: string) {
    const res = await call(c, 'POST', `/v1/fields/${fieldId}/options`, { input: '' });
    expect(res.status, res.text).toBe(200);
    return res.json() as { options: Array<{ id: string; value: string }>; cache: string };
  }

  let n = 0;
  async function connect(c: SpawnedCompanion) {
    n += 1;
    const ds = await call(c, 'POST', '/v1/admin/datasources', {
      name: `Shared CRM ${n}`,
      type: 'rest',
      config: { baseUrl: upstream.url },
      cacheTtlSeconds: 3600,
    });
    expect(ds.status, ds.text).toBe(201);
    const fieldBody = {
      key: `customfield_1050${n}`,
      name: `Shared ${n}`,
      datasourceId: ds.json().id as string,
      editor: 'select',
      storage: 'object',
      query: `/customers?field=${n}`,
      resultPath: '$.items[*]',
      idTemplate: '${row.id}',
      displayTemplate: '${row.name}',
    };
    const field = await call(c, 'POST', '/v1/admin/fields', fieldBody);
    expect(field.status, field.text).toBe(201);
    return { datasourceId: ds.json().id as string, fieldId: field.json().id as string, fieldBody };
  }

  it('concurrent identical misses on both processes make one upstream call between them', async () => {
    const { fieldId } = await connect(a);
    const before = calls();
    upstream.hold();
    const answers = Promise.all([...Array.from({ length: 4 }, () => options(a, fieldId)), ...Array.from({ length: 4 }, () => options(b, fieldId))]);
    // One process calls the upstream (held); the other one says it waits for that fill. Without the
    // cross-instance lease the other one calls the upstream too: a second hit, and then we go on.
    await until(() => calls() - before >= 2 || (calls() - before === 1 && (a.output() + b.output()).includes(WAITING_LINE)));
    upstream.release();
    const all = await answers;
    expect(calls() - before, 'upstream calls for 8 concurrent misses across 2 processes').toBe(1);
    for (const r of all) expect(r.options[0]).toEqual(FIRST);
    // The filler's answer is a miss (and so are the requests that joined it in that process); every
    // answer of the other process came from the shared cache.
    const outcomes = [all.slice(0, 4), all.slice(4)].map((answers) => answers.map((r) => r.cache));
    expect(outcomes.flat()).toContain('miss');
    expect(outcomes.some((o) => o.every((c) => c === 'hit')), JSON.stringify(outcomes)).toBe(true);
  });

  it("a field changed through one process is used by the other's very next request", async () => {
    const { fieldId, fieldBody } = await connect(a);
    // B holds the field, the datasource and the answer in memory.
    expect((await options(b, fieldId)).options[0]).toEqual(FIRST);
    const again = await options(b, fieldId);
    expect([again.options[0], again.cache]).toEqual([FIRST, 'hit']);

    const current = (await call(a, 'GET', `/v1/admin/fields/${fieldId}`)).json();
    const put = await call(a, 'PUT', `/v1/admin/fields/${fieldId}`, { ...fieldBody, displayTemplate: 'Now: ${row.name}', version: current.version });
    expect(put.status, put.text).toBe(200);

    expect((await options(b, fieldId)).options[0]).toEqual({ id: 'c1', value: 'Now: Customer 1' });
  });

  it("ten changes in a row through one process: each is used by the other's request sent the moment the answer is back", async () => {
    // B answers warm hits from pushed state (change-sequence.ts); A's answer to each change only
    // leaves once B has acknowledged it (or the trust window has passed), so no request to B sent
    // after that answer can miss it.
    const { fieldId, fieldBody } = await connect(a);
    await options(b, fieldId);
    expect(await options(b, fieldId)).toMatchObject({ cache: 'hit' });
    for (let i = 1; i <= 10; i += 1) {
      const current = (await call(a, 'GET', `/v1/admin/fields/${fieldId}`)).json();
      const put = await call(a, 'PUT', `/v1/admin/fields/${fieldId}`, { ...fieldBody, displayTemplate: `v${i}: \${row.name}`, version: current.version });
      expect(put.status, put.text).toBe(200);
      expect((await options(b, fieldId)).options[0]).toEqual({ id: 'c1', value: `v${i}: Customer 1` });
      // And B's warm hit right after still answers the change.
      const warm = await options(b, fieldId);
      expect([warm.cache, warm.options[0]]).toEqual(['hit', { id: 'c1', value: `v${i}: Customer 1` }]);
    }
  });

  it("a cache cleared through one process is a miss on the other's very next request", async () => {
    const { datasourceId, fieldId } = await connect(a);
    await options(b, fieldId);
    expect(await options(b, fieldId)).toMatchObject({ cache: 'hit' });
    const before = calls();

    const cleared = await call(a, 'POST', `/v1/admin/datasources/${datasourceId}/cache/clear`);
    expect(cleared.status, cleared.text).toBe(200);

    expect(await options(b, fieldId)).toMatchObject({ cache: 'miss' });
    expect(calls() - before).toBe(1);
  });

  it("a datasource changed through one process is used by the other's very next request", async () => {
    const { datasourceId, fieldId } = await connect(b);
    await options(a, fieldId);
    expect(await options(a, fieldId)).toMatchObject({ cache: 'hit' });
    const before = calls();

    const current = (await call(b, 'GET', `/v1/admin/datasources/${datasourceId}`)).json();
    const put = await call(b, 'PUT', `/v1/admin/datasources/${datasourceId}`, {
      name: current.name,
      type: 'rest',
      config: { baseUrl: `${upstream.url}/` },
      cacheTtlSeconds: 3600,
      version: current.version,
    });
    expect(put.status, put.text).toBe(200);

    // The new base URL (the same API behind it) is the one called.
    const after = await options(a, fieldId);
    expect([after.options[0], after.cache]).toEqual([FIRST, 'miss']);
    expect(upstream.hits.slice(before).map((h) => h.path)).toEqual([`/customers?field=${n}`]);
  });
});
