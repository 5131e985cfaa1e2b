// The companion's database client when connections die under it, on the real PostgreSQL through a
// TCP relay the test can cut (a reset, as when a server or a network path drops): every such error
// is recognised as "database unavailable" (503, not 500), and no dead connection is kept out of the
// pool, so the same process serves again once the database is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { createPrisma, sqlLaneOf, sqlPool, type Db } from '../../companion/db/prisma.js';
import { isDatabaseUnavailable } from '../../companion/db/database-errors.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';

/** A TCP relay to PostgreSQL whose open connections the test can reset, or refuse new ones. */
class Relay {
  private readonly sockets = new Set<net.Socket>();
  private refusing = false;
  private readonly server: net.Server;
  port = 0;

  private constructor(target: { host: string; port: number }) {
    this.server = net.createServer((client) => {
      if (this.refusing) return client.resetAndDestroy();
      const upstream = net.connect(target.port, target.host);
      this.sockets.add(client);
      client.on('close', () => this.sockets.delete(client));
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
  }

  static async start(target: { host: string; port: number }): Promise<Relay> {
    const relay = new Relay(target);
    await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
    relay.port = (relay.server.address() as net.AddressInfo).port;
    return relay;
  }

  /** Resets every open connection (the client side sees ECONNRESET). */
  resetAll(): void {
    for (const s of this.sockets) s.resetAndDestroy();
    this.sockets.clear();
  }

  refuse(on: boolean): void {
    this.refusing = on;
  }

  async stop(): Promise<void> {
    this.resetAll();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const hasPostgres = databaseKinds().includes('postgres');

/** A fresh PostgreSQL database, a relay in front of it, and a client of `poolSize` connections through the relay. */
async function relayedDatabase(poolSize: number): Promise<{ database: TestDatabase; relay: Relay; db: Db }> {
  const database = await createTestDatabase('postgres');
  const url = new URL(database.url);
  const relay = await Relay.start({ host: url.hostname, port: Number(url.port || 5432) });
  url.hostname = '127.0.0.1';
  url.port = String(relay.port);
  return { database, relay, db: createPrisma(url.toString(), poolSize) };
}
const settle = () => new Promise((r) => setTimeout(r, 50));

describe.runIf(hasPostgres)('database connections that die under the companion (PostgreSQL)', () => {
  let database: TestDatabase;
  let relay: Relay;
  let db: Db;

  beforeAll(async () => {
    ({ database, relay, db } = await relayedDatabase(2));
  });
  afterAll(async () => {
    await db?.$disconnect().catch(() => undefined);
    await relay?.stop();
    await database?.drop();
  });

  /** Runs `work`, resets every connection once it is under way, and returns what `work` threw. */
  async function cutUnder(work: () => Promise<unknown>): Promise<unknown> {
    const outcome = work().then(
      () => new Error('the work finished although its connection was reset'),
      (error: unknown) => error,
    );
    await new Promise((r) => setTimeout(r, 300));
    relay.resetAll();
    return outcome;
  }

  it('recognises a reset under a raw query, a model query and a transaction as "unavailable"', async () => {
    const raw = await cutUnder(() => db.$queryRawUnsafe('SELECT pg_sleep(5)'));
    const inTransaction = await cutUnder(() => db.$transaction(async (tx) => tx.$queryRawUnsafe('SELECT pg_sleep(5)')));
    const model = await cutUnder(() =>
      db.$transaction(async (tx) => {
        await tx.$queryRawUnsafe('SELECT pg_sleep(0.5)');
        return tx.tenant.findMany();
      }),
    );
    for (const [what, error] of [['raw', raw], ['transaction', inTransaction], ['model', model]] as const) {
      expect(isDatabaseUnavailable(error), `${what}: ${(error as Error).name} ${(error as { code?: string }).code} ${(error as Error).message}`).toBe(true);
    }
    await settle();
    expect(await db.$queryRawUnsafe('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('recognises a refused connection as "unavailable", and serves again when it is accepted', async () => {
    await db.$queryRawUnsafe('SELECT 1');
    relay.refuse(true);
    relay.resetAll();
    await settle();
    const refused = await db.tenant.findMany().then(() => new Error('answered while refused'), (e: unknown) => e);
    expect(isDatabaseUnavailable(refused), String(refused)).toBe(true);
    relay.refuse(false);
    expect(await db.tenant.findMany()).toEqual([]);
  });

  it('gives back a transaction connection that died under it: more dead transactions than the pool has connections, then it serves', async () => {
    const pool = sqlPool(db)!;
    for (let i = 0; i < 3; i += 1) {
      // Dead mid-statement, and dead between two statements of one transaction.
      const inFlight = await cutUnder(() => db.$transaction(async (tx) => tx.$queryRawUnsafe('SELECT pg_sleep(5)')));
      expect(isDatabaseUnavailable(inFlight), String(inFlight)).toBe(true);
      const between = await db
        .$transaction(async (tx) => {
          await tx.$queryRawUnsafe('SELECT 1');
          relay.resetAll();
          await settle();
          await tx.$queryRawUnsafe('SELECT 2');
        })
        .then(() => new Error('committed over a dead connection'), (e: unknown) => e);
      expect(isDatabaseUnavailable(between), String(between)).toBe(true);
    }
    await settle();
    // Without the give-back the pool (2 connections) held 6 dead ones checked out: this waited the
    // 3 s connect timeout and failed.
    expect(pool.waitingCount).toBe(0);
    const answers = await Promise.all([db.$queryRawUnsafe('SELECT 1 AS one'), db.$queryRawUnsafe('SELECT 2 AS two'), db.tenant.count()]);
    expect(answers).toEqual([[{ one: 1 }], [{ two: 2 }], 0]);
    expect(pool.totalCount).toBeLessThanOrEqual(2);
  });

  it('does not call a caller mistake "unavailable"', async () => {
    const syntax = await db.$queryRawUnsafe('SELEC 1').then(() => null, (e: unknown) => e);
    const missing = await db.$queryRawUnsafe('SELECT * FROM "NoSuchTable"').then(() => null, (e: unknown) => e);
    expect(syntax).not.toBeNull();
    expect(missing).not.toBeNull();
    expect(isDatabaseUnavailable(syntax)).toBe(false);
    expect(isDatabaseUnavailable(missing)).toBe(false);
  });
});

describe.runIf(hasPostgres)("the hot path's lane: one held connection (PostgreSQL)", () => {
  let database: TestDatabase;
  let relay: Relay;
  let db: Db;
  const POOL = 4;
  const pid = async () => (await sqlLaneOf(db)!.query<{ pid: number }>({ text: 'SELECT pg_backend_pid() AS pid' })).rows[0]!.pid;

  beforeAll(async () => {
    ({ database, relay, db } = await relayedDatabase(POOL));
  });
  afterAll(async () => {
    await db?.$disconnect().catch(() => undefined);
    await relay?.stop();
    await database?.drop();
  });

  it('runs statements one after another on one connection, and concurrent ones through the pool', async () => {
    await pid(); // through the pool, while the lane takes its connection
    await settle();
    const held = await pid();
    expect([await pid(), await pid(), await pid()]).toEqual([held, held, held]);
    const together = await Promise.all([pid(), pid(), pid()]);
    expect(together[0]).toBe(held);
    expect(together.slice(1)).not.toContain(held);
    // Prisma still has the rest of the pool: as many statements at once as it holds, the lane's aside.
    const many = await Promise.all(Array.from({ length: POOL - 1 }, (_, i) => db.$queryRawUnsafe<Array<{ n: number }>>(`SELECT ${i}::int AS n, pg_sleep(0.05)::text AS slept`)));
    expect(many.map((rows) => rows[0]!.n)).toEqual([0, 1, 2]);
    expect(sqlPool(db)!.totalCount).toBeLessThanOrEqual(POOL);
  });

  it('fails a statement whose connection is reset as "unavailable", then serves on a new one, keeping nothing dead', async () => {
    await pid();
    await settle();
    const before = await pid();
    const outcome = sqlLaneOf(db)!
      .query({ text: 'SELECT pg_sleep(5)' })
      .then(() => new Error('the statement finished although its connection was reset'), (error: unknown) => error);
    await new Promise((r) => setTimeout(r, 300));
    relay.resetAll();
    const error = await outcome;
    expect(isDatabaseUnavailable(error), String(error)).toBe(true);
    await settle();
    await pid(); // the pool's, while the lane takes a new connection
    await settle();
    const after = await pid();
    expect(after).not.toBe(before);
    expect(await pid()).toBe(after);
    const pool = sqlPool(db)!;
    expect(pool.waitingCount).toBe(0);
    expect(pool.totalCount).toBeLessThanOrEqual(POOL);
  });

  it('ends the pool on disconnect once the statement on the lane has finished', async () => {
    const other = createPrisma(database.url, POOL);
    const lane = sqlLaneOf(other)!;
    await lane.query({ text: 'SELECT 1' });
    await settle();
    const running = lane.query<{ done: boolean }>({ text: 'SELECT pg_sleep(0.3) IS NOT NULL AS done' });
    await new Promise((r) => setTimeout(r, 50));
    await other.$disconnect();
    expect((await running).rows).toEqual([{ done: true }]);
    expect(sqlPool(other)!.totalCount).toBe(0);
  });

  it('keeps every connection of a small pool for Prisma: no lane', async () => {
    const small = createPrisma(database.url, 2);
    try {
      const lane = sqlLaneOf(small)!;
      await lane.query({ text: 'SELECT 1' });
      await settle();
      expect(sqlPool(small)!.idleCount).toBe(sqlPool(small)!.totalCount);
    } finally {
      await small.$disconnect();
    }
  });
});
