// The shared options cache's statements on a real database (both kinds): the write of an entry
// releases its filler's lease in the same statement (and no one else's), and the statements that
// write the cache tables commit without waiting for the WAL flush, for their own transaction only:
// the connection goes back to the pool with `synchronous_commit` as it was, so business data
// written on it later stays durable; run inside a caller's transaction, they change nothing of it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { createPrisma, sqlPool, type Db } from '../../companion/db/prisma.js';
import { cacheRepository } from '../../companion/cache/cache-repository.js';

describe.each(databaseKinds())('the shared options cache statements on %s', (kind) => {
  let database: TestDatabase;
  let db: Db;
  let tenantId: string;
  const datasourceId = randomUUID();
  const later = (ms: number) => new Date(Date.now() + ms);
  const entry = (name: string) => ({ datasourceId, fieldId: null, payload: { options: [{ id: name, value: name }] }, expiresAt: later(60_000), staleUntil: later(120_000) });

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    // One connection: every statement below runs on the same session, so a setting left behind shows.
    db = createPrisma(database.url, 1);
    tenantId = (await db.tenant.create({ data: { installationId: `repo-${randomUUID()}` } })).id;
  });
  afterAll(async () => {
    await db?.$disconnect();
    await database?.drop();
  });

  const setting = async () => (await sqlPool(db)!.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit;

  it('writes the entry and releases the writer’s fill lease in one statement, and only its own', async () => {
    const repo = cacheRepository(db);
    const now = Date.now();
    const mine = await repo.getOrTakeFill(tenantId, 'key-a', 'holder-a', 10_000, now);
    expect(mine).toEqual({ entry: null, leased: true, contended: false });
    expect(await repo.fillRunning(tenantId, 'key-a')).toBe(true);

    // A writer that does not hold the lease (it lost it to another instance) leaves it in place.
    await repo.put(tenantId, 'key-a', entry('first'), 'holder-b');
    expect(await repo.fillRunning(tenantId, 'key-a')).toBe(true);
    expect((await repo.get(tenantId, 'key-a'))?.payload).toEqual(entry('first').payload);

    await repo.put(tenantId, 'key-a', entry('second'), 'holder-a');
    expect(await repo.fillRunning(tenantId, 'key-a')).toBe(false);
    const stored = await repo.get(tenantId, 'key-a');
    expect(stored?.payload).toEqual(entry('second').payload);
    // Fresh now: a second instance gets the entry and no lease.
    expect(await repo.getOrTakeFill(tenantId, 'key-a', 'holder-c', 10_000, Date.now())).toMatchObject({ leased: false, entry: { datasourceId } });
    expect(await repo.fillRunning(tenantId, 'key-a')).toBe(false);

    // Without a holder (the database was down when the miss began), the write touches no lease.
    await repo.getOrTakeFill(tenantId, 'key-b', 'holder-d', 10_000, Date.now());
    await repo.put(tenantId, 'key-b', entry('third'), null);
    expect(await repo.fillRunning(tenantId, 'key-b')).toBe(true);
    await repo.releaseFill(tenantId, 'key-b', 'holder-d');
    expect(await repo.fillRunning(tenantId, 'key-b')).toBe(false);
  });

  it('commits the lease, the entry and the release without waiting for the flush, and leaves the session durable', async () => {
    const repo = cacheRepository(db);
    const pool = sqlPool(db)!;
    expect(await setting()).toBe('on');
    // Inside an open transaction the statement's own setting is visible; it ends with the transaction.
    const inTransaction = async (statement: () => Promise<unknown>) => {
      await pool.query('BEGIN');
      try {
        await statement();
        return await setting();
      } finally {
        await pool.query('ROLLBACK');
      }
    };
    expect(await inTransaction(() => repo.getOrTakeFill(tenantId, 'key-c', 'holder-e', 10_000, Date.now()))).toBe('off');
    expect(await setting()).toBe('on');
    expect(await inTransaction(() => repo.put(tenantId, 'key-c', entry('fourth'), 'holder-e'))).toBe('off');
    expect(await setting()).toBe('on');
    await repo.getOrTakeFill(tenantId, 'key-d', 'holder-f', 10_000, Date.now());
    expect(await inTransaction(() => repo.releaseFill(tenantId, 'key-d', 'holder-f'))).toBe('off');
    expect(await setting()).toBe('on');

    // Outside a transaction, each statement is its own: the session is as it was after each.
    await repo.getOrTakeFill(tenantId, 'key-e', 'holder-g', 10_000, Date.now());
    await repo.put(tenantId, 'key-e', entry('fifth'), 'holder-g');
    expect(await setting()).toBe('on');
    expect(await repo.fillRunning(tenantId, 'key-e')).toBe(false);
  });

  it('runs the same statements through Prisma inside a caller’s transaction, leaving that transaction’s commit durable', async () => {
    await db.$transaction(async (tx) => {
      const inside = async () => (await tx.$queryRawUnsafe<Array<{ synchronous_commit: string }>>('SHOW synchronous_commit'))[0]!.synchronous_commit;
      const repo = cacheRepository(tx as unknown as Db);
      expect(await repo.getOrTakeFill(tenantId, 'key-f', 'holder-h', 10_000, Date.now())).toEqual({ entry: null, leased: true, contended: false });
      await repo.put(tenantId, 'key-f', entry('sixth'), 'holder-h');
      expect(await repo.fillRunning(tenantId, 'key-f')).toBe(false);
      const stored = await repo.get(tenantId, 'key-f');
      expect(stored?.payload).toEqual(entry('sixth').payload);
      expect(Math.abs(stored!.expiresAt.getTime() - entry('sixth').expiresAt.getTime())).toBeLessThan(5_000);
      await repo.getOrTakeFill(tenantId, 'key-g', 'holder-i', 10_000, Date.now());
      await repo.releaseFill(tenantId, 'key-g', 'holder-i');
      expect(await repo.fillRunning(tenantId, 'key-g')).toBe(false);
      expect(await inside()).toBe('on');
    });
    expect(await setting()).toBe('on');
  });
});
