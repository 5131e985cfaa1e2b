// A miss on PostgreSQL while no other instance is on the database (cache/options-cache.ts, the
// lone instance): the request goes to the upstream at once, and the key's fill lease is taken only
// if it is still out a moment later. Shown by holding a lock that blocks every statement on the
// lease table: the lone instance answers through it, one that knows of another instance waits for
// it. An instance that starts during a slow lone fill waits for its entry (one upstream call between
// them); a lone fill that meets the lease of an instance it had not heard of takes the lease first
// again; entries another instance stored are read again once it is heard of.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { FakeClock } from '../helpers/test-companion.js';
import { createPrisma, type Db } from '../../companion/db/prisma.js';
import { cacheRepository } from '../../companion/cache/cache-repository.js';
import { OptionsCache, type Presence } from '../../companion/cache/options-cache.js';
import { silent } from '../../companion/cache/runtime-caches.js';

type Payload = { options: Array<{ id: string; value: string }> };

/** What the change listener would say: alone or not, and the epoch of the instances heard of. */
class Listener implements Presence {
  constructor(
    public alone: boolean,
    public epoch = 1,
  ) {}
  settlesAlone() {
    return this.alone;
  }
  peerEpoch() {
    return this.epoch;
  }
}

const later = (ms: number) => new Promise<'later'>((r) => setTimeout(() => r('later'), ms));

describe.skipIf(!inject('postgresAdminUrl'))('a miss on PostgreSQL with no other instance', () => {
  let database: TestDatabase;
  let db: Db;
  let tenantId: string;
  const clock = new FakeClock();
  const instance = (presence: Presence) => new OptionsCache<Payload>(db, clock, silent, { shared: true, presence });

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    db = createPrisma(database.url, 4);
    tenantId = (await db.tenant.create({ data: { installationId: `alone-${randomUUID()}` } })).id;
  });
  afterAll(async () => {
    await db?.$disconnect();
    await database?.drop();
  });

  /** An upstream that counts its calls; `hold` keeps each call's answer until released. */
  const upstream = (hold = false) => {
    const u = {
      sent: 0,
      release: () => undefined as void,
      fetch: async (): Promise<Payload> => {
        u.sent += 1;
        if (hold) await new Promise<void>((r) => (u.release = r));
        return { options: [{ id: `sent-${u.sent}`, value: 'Sent' }] };
      },
    };
    return u;
  };
  const resolve = (cache: OptionsCache<Payload>, keyHash: string, u: ReturnType<typeof upstream>) =>
    cache.resolve({ tenantId, keyHash, datasourceId: randomUUID(), configId: randomUUID(), ttlSeconds: 60, fetch: u.fetch });

  /** Holds a lock under which no lease can be taken (an insert into CacheFill waits) until `open`. */
  async function leasesBlocked() {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('BEGIN');
    await client.query('LOCK TABLE "CacheFill" IN SHARE ROW EXCLUSIVE MODE');
    return {
      open: async () => {
        await client.query('COMMIT');
        await client.end();
      },
    };
  }

  /** A miss on a new key that waits for its lease statement: nothing sent while the lease table is locked, one call once it is not. */
  async function missWaitsForTheLease(cache: OptionsCache<Payload>) {
    const u = upstream();
    const lock = await leasesBlocked();
    const resolving = resolve(cache, `k-${randomUUID()}`, u);
    try {
      expect(await Promise.race([resolving, later(300)])).toBe('later');
      expect(u.sent).toBe(0);
    } finally {
      await lock.open();
    }
    expect(await resolving).toMatchObject({ cache: 'miss' });
    expect(u.sent).toBe(1);
    await cache.settled();
  }

  it('answers without any statement on the lease table, and writes the entry once it can, leaving no lease', async () => {
    const cache = instance(new Listener(true));
    await resolve(cache, `warm-${randomUUID()}`, upstream()); // the stored keys read, once
    await cache.settled();
    const key = `k-${randomUUID()}`;
    const u = upstream();
    const lock = await leasesBlocked();
    try {
      expect(await Promise.race([resolve(cache, key, u), later(2_000)])).toEqual({ payload: { options: [{ id: 'sent-1', value: 'Sent' }] }, cache: 'miss' });
      expect(u.sent).toBe(1);
      expect(await cacheRepository(db).get(tenantId, key), 'the write (which releases a lease) waits for the lock').toBeNull();
    } finally {
      await lock.open();
    }
    await cache.settled();
    expect((await cacheRepository(db).get(tenantId, key))?.payload).toEqual({ options: [{ id: 'sent-1', value: 'Sent' }] });
    expect(await cacheRepository(db).fillRunning(tenantId, key)).toBe(false);
    const rows = await db.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM "CacheFill" WHERE "keyHash" = ${key}`;
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('waits for the lease first while another instance is on the database', async () => {
    await missWaitsForTheLease(instance(new Listener(false)));
  });

  it('takes the lease during a slow fill, so an instance that starts meanwhile waits for its entry: one upstream call between them', async () => {
    const lone = instance(new Listener(true));
    const started = instance(new Listener(false));
    const key = `k-${randomUUID()}`;
    const first = upstream(true);
    const second = upstream();
    const filling = resolve(lone, key, first);
    // The request is still out a moment later: the lease is taken.
    let leased = false;
    for (let i = 0; i < 200 && !leased; i += 1) {
      leased = await cacheRepository(db).fillRunning(tenantId, key);
      if (!leased) await new Promise((r) => setTimeout(r, 10));
    }
    expect(leased, 'the lone instance holds the lease while its request is out').toBe(true);
    expect(first.sent).toBe(1);
    const waiting = resolve(started, key, second);
    await new Promise((r) => setTimeout(r, 50));
    first.release();
    expect(await filling).toEqual({ payload: { options: [{ id: 'sent-1', value: 'Sent' }] }, cache: 'miss' });
    expect(await waiting).toEqual({ payload: { options: [{ id: 'sent-1', value: 'Sent' }] }, cache: 'hit' });
    expect(second.sent).toBe(0);
    await Promise.all([lone.settled(), started.settled()]);
  });

  it('takes the lease first again once a lone miss found the lease of an instance it had not heard of', async () => {
    const cache = instance(new Listener(true));
    await resolve(cache, `warm-${randomUUID()}`, upstream());
    await cache.settled();
    const key = `k-${randomUUID()}`;
    await db.$executeRaw`INSERT INTO "CacheFill" ("tenantId", "keyHash", holder, "expiresAt") VALUES (${tenantId}::uuid, ${key}, 'not-heard-of', clock_timestamp() + interval '1 minute')`;
    const u = upstream();
    expect(await resolve(cache, key, u)).toMatchObject({ cache: 'miss' });
    expect(u.sent).toBe(1);
    await cache.settled();
    const holders = await db.$queryRaw<Array<{ holder: string }>>`SELECT holder FROM "CacheFill" WHERE "keyHash" = ${key}`;
    expect(holders, 'the other instance keeps its lease').toEqual([{ holder: 'not-heard-of' }]);
    // The next miss, on another key, waits for its lease statement again.
    await missWaitsForTheLease(cache);
  });

  it('reads the stored keys again once another instance is heard of: what it stored is a hit', async () => {
    const listener = new Listener(true);
    const cache = instance(listener);
    await resolve(cache, `warm-${randomUUID()}`, upstream());
    await cache.settled();
    // Another instance stores an entry (and is heard of), then leaves.
    const key = `k-${randomUUID()}`;
    const now = clock.now().getTime();
    await cacheRepository(db).put(tenantId, key, { datasourceId: randomUUID(), fieldId: randomUUID(), payload: { options: [{ id: 'theirs', value: 'Theirs' }] }, expiresAt: new Date(now + 60_000), staleUntil: new Date(now + 120_000) });
    listener.epoch += 1;
    const u = upstream();
    expect(await resolve(cache, key, u)).toEqual({ payload: { options: [{ id: 'theirs', value: 'Theirs' }] }, cache: 'hit' });
    expect(u.sent).toBe(0);
  });
});
