// The tenant change sequence on a real PostgreSQL: the triggers bump it with every datasource or
// field change, and reads are shared without ever answering a request with a read sent before it
// arrived (at most one read in flight, one waiting). Reads are held at a gate the test opens, so the
// interleaving is chosen, not timed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../helpers/databases.js';
import { createPrisma, type Db } from '../../companion/db/prisma.js';
import { ChangeSequence, readTenantChanges } from '../../companion/cache/change-sequence.js';

describe.runIf(databaseKinds().includes('postgres'))('tenant change sequence (PostgreSQL)', () => {
  let database: TestDatabase;
  let db: Db;
  const tenantId = randomUUID();
  const other = randomUUID();

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    db = createPrisma(database.url, 4);
    for (const id of [tenantId, other]) await db.tenant.create({ data: { id, installationId: `install-${id}` } });
  });
  afterAll(async () => {
    await db?.$disconnect();
    await database?.drop();
  });

  const seqOf = async (id: string) =>
    (await db.$queryRaw<Array<{ seq: string }>>`SELECT seq::text AS seq FROM "TenantChange" WHERE "tenantId" = ${id}::uuid`)[0]?.seq ?? '0';

  it('is bumped in the same transaction as every insert, update and delete of a datasource or field', async () => {
    const start = Number(await seqOf(tenantId));
    const ds = await db.datasource.create({ data: { tenantId, name: 'CRM', type: 'rest', config: {}, secrets: {} } });
    expect(Number(await seqOf(tenantId))).toBe(start + 1);
    await db.datasource.update({ where: { id: ds.id }, data: { cacheGeneration: { increment: 1 } } });
    const field = await db.field.create({
      data: { tenantId, key: 'customfield_1', name: 'F', datasourceId: ds.id, editor: 'select', storage: 'object', query: '/x' },
    });
    await db.field.delete({ where: { id: field.id } });
    expect(Number(await seqOf(tenantId))).toBe(start + 4);
    // A change rolled back bumps nothing; another tenant's sequence does not move.
    await expect(
      db.$transaction(async (tx) => {
        await tx.datasource.update({ where: { id: ds.id }, data: { name: 'Renamed' } });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(Number(await seqOf(tenantId))).toBe(start + 4);
    expect(await seqOf(other)).toBe('0');
  });

  it('shares reads, but never answers with a read sent before the request arrived', async () => {
    const gates: Array<() => void> = [];
    const asked: string[][] = [];
    const read = readTenantChanges(db);
    const sequence = new ChangeSequence(async (ids) => {
      asked.push(ids);
      await new Promise<void>((open) => gates.push(open));
      return read(ids);
    });
    const before = await seqOf(tenantId);

    const first = sequence.current(tenantId, performance.now());
    await until(() => gates.length === 1);
    // Committed while the first read is in flight (it may or may not see it)...
    await db.datasource.create({ data: { tenantId, name: 'Later', type: 'rest', config: {}, secrets: {} } });
    const after = await seqOf(tenantId);
    expect(after).not.toBe(before);
    // ...so requests arriving now must wait for a read sent after them: they share one.
    const second = sequence.current(tenantId, performance.now());
    const third = sequence.current(other, performance.now());
    const fourth = sequence.current(tenantId, performance.now());
    await Promise.resolve();
    expect(asked, 'one read in flight, the others wait for the next one').toHaveLength(1);

    gates.shift()!();
    expect(await first).not.toBeNull();
    await until(() => gates.length === 1);
    expect(asked).toHaveLength(2);
    expect([...asked[1]!].sort()).toEqual([tenantId, other].sort());
    gates.shift()!();
    expect(await second).toBe(after);
    expect(await fourth).toBe(after);
    expect(await third).toBe('0');
    expect(sequence.reads).toBe(2);

    // A request that arrived before a read that has completed takes its result without a new read.
    const since = performance.now();
    let answered = false;
    const fifth = sequence.current(tenantId, since).finally(() => (answered = true));
    await until(() => gates.length === 1 || answered);
    expect(asked, 'a read sent before the request arrived is not enough').toHaveLength(3);
    gates.shift()!();
    expect(await fifth).toBe(after);
    expect(await sequence.current(tenantId, since)).toBe(after);
    expect(sequence.reads).toBe(3);
  });

  it('with its listener, keeps the newest of a pushed sequence and a read that returns after it', async () => {
    const tenant = randomUUID();
    await db.tenant.create({ data: { id: tenant, installationId: `install-${tenant}` } });
    const gates: Array<() => void> = [];
    const read = readTenantChanges(db);
    // The read runs at once, then waits at a gate the test opens: its answer is older than what
    // the test commits meanwhile.
    const sequence = new ChangeSequence(async (ids) => {
      const result = await read(ids);
      await new Promise<void>((open) => gates.push(open));
      return result;
    });
    sequence.listen(database.url);
    try {
      await until(() => sequence.pushTrusted());
      const asked = sequence.current(tenant, performance.now());
      await until(() => gates.length === 1);
      await db.datasource.create({ data: { tenantId: tenant, name: 'Pushed', type: 'rest', config: {}, secrets: {} } });
      const after = await seqOf(tenant);
      expect(after).toBe('1');
      // The notification arrives while the read's answer ('0') is held back.
      await until(() => sequence.known(tenant, -Infinity) === after);
      gates.shift()!();
      // The read saw '0'; what the request gets is the newest the instance knows.
      expect(await asked).toBe(after);
      await until(() => sequence.pushTrusted());
      expect(sequence.known(tenant, performance.now()), 'the older read does not win over the push').toBe(after);
      expect(sequence.reads).toBe(1);
    } finally {
      await sequence.close();
    }
  });

  it('knows when it is alone, and moves its peer epoch when another instance appears (not when one leaves)', async () => {
    const a = new ChangeSequence(readTenantChanges(db));
    const b = new ChangeSequence(readTenantChanges(db));
    a.listen(database.url);
    try {
      await until(() => a.settlesAlone());
      const epoch = a.peerEpoch();
      b.listen(database.url);
      // b's heartbeat reaches a, and b knows a from pg_stat_activity: neither is alone.
      await until(() => !a.settlesAlone() && a.peerEpoch() > epoch);
      expect(a.peerEpoch()).toBe(epoch + 1);
      await until(() => b.peerEpoch() === 2); // its listener session, and a
      expect(b.settlesAlone()).toBe(false);
      await b.close();
      // b said goodbye: a is alone again; nobody new was heard of.
      await until(() => a.settlesAlone());
      expect(a.peerEpoch()).toBe(epoch + 1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

async function until(condition: () => boolean) {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}
