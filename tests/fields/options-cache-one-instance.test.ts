// The options cache of a single instance (the embedded database, which only its own process opens):
// a miss on a key the store cannot hold an entry for goes to the upstream without reading the store
// first; what an earlier process stored is still found after a restart, fresh or as a stale answer
// while the upstream fails; past the bound of keys it holds, every miss reads the store as before.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { FakeClock } from '../helpers/test-companion.js';
import { createPrisma, sqlPool, type Db } from '../../companion/db/prisma.js';
import { OptionsCache, type OptionsCacheOptions } from '../../companion/cache/options-cache.js';
import { silent } from '../../companion/cache/runtime-caches.js';
import { AppError } from '../../companion/errors.js';

type Payload = { options: Array<{ id: string; value: string }> };

describe.each(databaseKinds())('the options cache of a single instance on %s', (kind) => {
  let database: TestDatabase;
  let db: Db;
  let tenantId: string;
  const datasourceId = randomUUID();
  const clock = new FakeClock();
  const single = (options: Partial<OptionsCacheOptions> = {}) => new OptionsCache<Payload>(db, clock, silent, { shared: false, ...options });

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    db = createPrisma(database.url, 1);
    tenantId = (await db.tenant.create({ data: { installationId: `single-${randomUUID()}` } })).id;
  });
  afterAll(async () => {
    await db?.$disconnect();
    await database?.drop();
  });

  /** The upstream of these tests: counts its calls, answers one option named after the call, or fails as a 502 would. */
  const upstream = () => {
    const u = {
      calls: 0,
      failing: false,
      fetch: async (): Promise<Payload> => {
        u.calls += 1;
        if (u.failing) throw new AppError(502, 'upstream_failed', 'the upstream answered 500');
        return { options: [{ id: `call-${u.calls}`, value: `Call ${u.calls}` }] };
      },
    };
    return u;
  };
  const resolve = (cache: OptionsCache<Payload>, keyHash: string, u: ReturnType<typeof upstream>) =>
    cache.resolve({ tenantId, keyHash, datasourceId, configId: randomUUID(), ttlSeconds: 60, fetch: u.fetch });

  /** How many times the store was read for one entry (`oc-cache-get`) while `work` ran: every statement still goes to the database. */
  async function storeReadsDuring(work: () => Promise<unknown>): Promise<number> {
    const pool = sqlPool(db)!;
    const query = pool.query;
    let reads = 0;
    pool.query = function (this: typeof pool, ...args: unknown[]) {
      if ((args[0] as { name?: string } | undefined)?.name === 'oc-cache-get') reads += 1;
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof pool.query;
    try {
      await work();
    } finally {
      pool.query = query;
    }
    return reads;
  }

  it('goes to the upstream without reading the store for a key it cannot hold, and finds after a restart what the earlier process stored', async () => {
    const u = upstream();
    const first = single();
    const key = `k-${randomUUID()}`;
    let outcome: unknown;
    expect(await storeReadsDuring(async () => (outcome = await resolve(first, key, u)))).toBe(0);
    expect(outcome).toEqual({ payload: { options: [{ id: 'call-1', value: 'Call 1' }] }, cache: 'miss' });
    await first.settled();

    // A restart: a new process with nothing in memory. The stored entry is read and answered as a hit.
    const second = single();
    expect(await storeReadsDuring(async () => (outcome = await resolve(second, key, u)))).toBe(1);
    expect(outcome).toEqual({ payload: { options: [{ id: 'call-1', value: 'Call 1' }] }, cache: 'hit' });
    expect(u.calls).toBe(1);

    // A key neither process stored: straight to the upstream.
    const other = `k-${randomUUID()}`;
    expect(await storeReadsDuring(async () => (outcome = await resolve(second, other, u)))).toBe(0);
    expect(outcome).toMatchObject({ cache: 'miss' });
    expect(u.calls).toBe(2);
  });

  it('answers a failing upstream with the entry an earlier process stored, once it is no longer fresh', async () => {
    const u = upstream();
    const first = single();
    const key = `k-${randomUUID()}`;
    await resolve(first, key, u);
    await first.settled();
    clock.advance(61_000);

    const second = single();
    u.failing = true;
    expect(await resolve(second, key, u)).toEqual({ payload: { options: [{ id: 'call-1', value: 'Call 1' }] }, cache: 'stale' });
    expect(u.calls).toBe(2);
  });

  it('reads the store on every miss once there are more stored keys than it holds', async () => {
    const u = upstream();
    const writer = single();
    for (const n of [1, 2]) await resolve(writer, `k-${n}-${randomUUID()}`, u);
    await writer.settled();

    const bounded = single({ maxKnownKeys: 1 });
    expect(await storeReadsDuring(() => resolve(bounded, `k-${randomUUID()}`, u))).toBe(1);
    expect(await storeReadsDuring(() => resolve(bounded, `k-${randomUUID()}`, u))).toBe(1);
    // Within the bound, the same store needs no read for a key no one wrote.
    const roomy = single({ maxKnownKeys: 1_000 });
    expect(await storeReadsDuring(() => resolve(roomy, `k-${randomUUID()}`, u))).toBe(0);
  });
});

// Whether the store's keys could be read is not remembered when they could not: on PostgreSQL, where
// a table can be renamed away for a moment and back (PGlite keeps a statement that failed to prepare
// on its one connection, so the embedded database cannot be broken this way and mended).
describe.skipIf(!inject('postgresAdminUrl'))('the options cache of a single instance whose store could not be read, on postgres', () => {
  let database: TestDatabase;
  let db: Db;
  let tenantId: string;
  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    db = createPrisma(database.url, 2);
    tenantId = (await db.tenant.create({ data: { installationId: `single-broken-${randomUUID()}` } })).id;
  });
  afterAll(async () => {
    await db?.$disconnect();
    await database?.drop();
  });

  it('reads the stored keys again on a later miss when reading them failed', async () => {
    const cache = new OptionsCache<Payload>(db, new FakeClock(), silent, { shared: false });
    let calls = 0;
    const resolve = () =>
      cache.resolve({
        tenantId,
        keyHash: `k-${randomUUID()}`,
        datasourceId: randomUUID(),
        configId: randomUUID(),
        ttlSeconds: 60,
        fetch: async () => ({ options: [{ id: `call-${(calls += 1)}`, value: 'Call' }] }),
      });
    await db.$executeRawUnsafe('ALTER TABLE "CacheEntry" RENAME TO "CacheEntryAway"');
    try {
      // Neither the keys nor the entry can be read: the miss fails as a read of the store fails.
      await expect(resolve()).rejects.toThrow(/CacheEntry/);
    } finally {
      await db.$executeRawUnsafe('ALTER TABLE "CacheEntryAway" RENAME TO "CacheEntry"');
    }
    expect(await resolve()).toEqual({ payload: { options: [{ id: 'call-1', value: 'Call' }] }, cache: 'miss' });
  });
});
