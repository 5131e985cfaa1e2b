// Prisma access for the shared options cache (CacheEntry). Every query is scoped by tenant.
import type { Db } from '../db/prisma.js';
import { isUuid } from '../db/ids.js';
import { sqlLaneOf, sqlRows } from '../db/prisma.js';

const UPSERT_SET = `"datasourceId" = EXCLUDED."datasourceId", "fieldId" = EXCLUDED."fieldId", payload = EXCLUDED.payload,
  "expiresAt" = EXCLUDED."expiresAt", "staleUntil" = EXCLUDED."staleUntil", "createdAt" = now()`;

export interface StoredEntry {
  datasourceId: string;
  fieldId: string | null;
  payload: unknown;
  expiresAt: Date;
  staleUntil: Date;
}

/**
 * One entry by key, as `$1` tenant and `$2` key hash. TIMESTAMP(3) columns hold UTC (Prisma's
 * convention): read as epoch milliseconds, not through pg's local-time parsing.
 */
const ENTRY_BY_KEY = `SELECT "datasourceId"::text AS "datasourceId", "fieldId"::text AS "fieldId", payload,
    (EXTRACT(EPOCH FROM "expiresAt") * 1000)::float8 AS "expiresAt", (EXTRACT(EPOCH FROM "staleUntil") * 1000)::float8 AS "staleUntil"
  FROM "CacheEntry" WHERE "tenantId" = $1::uuid AND "keyHash" = $2`;
/**
 * A CTE that turns off the wait for the WAL flush of the statement's own commit
 * (`synchronous_commit` for this transaction only: `set_config(…, true)`; PostgreSQL reads it when
 * the statement commits). Other sessions see the commit as soon as it is made either way, so the
 * lease and the entry coordinate instances exactly as before; what a crash of PostgreSQL may lose is
 * the last fraction of a second of entries and leases, which only costs an upstream call again. The
 * flush was most of a cold miss: the lease statement waited for it (about 4 ms on the bench
 * machine's disk, docs/BENCHMARKS.md). Only for these cache tables, and only when the statement is
 * its own transaction (the pool): inside a caller's transaction it would make that whole
 * transaction's commit skip the flush, so there the CTE sets nothing. It must be referenced for
 * PostgreSQL to run it.
 */
const noFlushWait = (ownTransaction: boolean) =>
  ownTransaction ? `no_flush_wait AS (SELECT set_config('synchronous_commit', 'off', true) AS off)` : `no_flush_wait AS (SELECT 'kept' AS off)`;

type EntryRow = { datasourceId: string; fieldId: string | null; payload: unknown; expiresAt: number; staleUntil: number };
const toEntry = (row: EntryRow): StoredEntry => ({ ...row, expiresAt: new Date(row.expiresAt), staleUntil: new Date(row.staleUntil) });

export function cacheRepository(db: Db) {
  // The client's own connections (its lane, then its pool), or undefined for a transaction client
  // (then every statement goes through Prisma and, being part of the caller's transaction, keeps its
  // commit durable).
  const flush = noFlushWait(sqlLaneOf(db) !== undefined);

  const PUT = `WITH ${flush}, put AS (
      INSERT INTO "CacheEntry" ("tenantId", "keyHash", "datasourceId", "fieldId", payload, "expiresAt", "staleUntil")
      SELECT $1::uuid, $2, $3::uuid, $4::uuid, $5::jsonb, to_timestamp($6::float8 / 1000) AT TIME ZONE 'UTC', to_timestamp($7::float8 / 1000) AT TIME ZONE 'UTC'
        FROM no_flush_wait
      ON CONFLICT ("tenantId", "keyHash") DO UPDATE SET ${UPSERT_SET}
    ), released AS (
      DELETE FROM "CacheFill" WHERE "tenantId" = $1::uuid AND "keyHash" = $2 AND holder = $8::text
    )
    SELECT EXISTS (SELECT 1 FROM "CacheFill" WHERE "tenantId" = $1::uuid AND "keyHash" = $2
      AND holder IS DISTINCT FROM $8::text AND "expiresAt" > clock_timestamp()) AS others`;
  const GET_OR_TAKE_FILL = `WITH ${flush}, entry AS (${ENTRY_BY_KEY}), lease AS (
      INSERT INTO "CacheFill" ("tenantId", "keyHash", holder, "expiresAt")
      SELECT $1::uuid, $2, $3, clock_timestamp() + $4::int * interval '1 millisecond' FROM no_flush_wait
      WHERE NOT EXISTS (SELECT 1 FROM entry WHERE "expiresAt" > $5::float8)
      ON CONFLICT ("tenantId", "keyHash") DO UPDATE SET holder = EXCLUDED.holder, "expiresAt" = EXCLUDED."expiresAt"
      WHERE "CacheFill"."expiresAt" <= clock_timestamp()
      RETURNING holder
    )
    SELECT (SELECT count(*) FROM lease)::int AS leased,
           EXISTS (SELECT 1 FROM "CacheFill" WHERE "tenantId" = $1::uuid AND "keyHash" = $2) AS contended,
           entry.* FROM (SELECT 1) AS one LEFT JOIN entry ON true`;
  const RELEASE_FILL = `WITH ${flush} DELETE FROM "CacheFill" WHERE "tenantId" = $1::uuid AND "keyHash" = $2 AND holder = $3
    AND EXISTS (SELECT 1 FROM no_flush_wait)`;

  return {
    // get and put are on the path of every miss: one plain statement each, straight to pg when the
    // client has its pool (Prisma's query planning, even for raw SQL, cost more than the statement).
    async get(tenantId: string, keyHash: string): Promise<StoredEntry | null> {
      const rows = await sqlRows<EntryRow>(db, 'oc-cache-get', ENTRY_BY_KEY, [tenantId, keyHash]);
      return rows[0] ? toEntry(rows[0]) : null;
    },
    /**
     * Writes the entry and, in the same statement, releases `holder`'s fill lease on the key (when
     * given): one round trip, and waiters see the entry and the lease gone at the same instant.
     * `others`: another holder's running lease was on the key (another instance is filling it too).
     * Not in a transaction: one statement is atomic, and batch transactions here could be left open.
     */
    async put(tenantId: string, keyHash: string, entry: StoredEntry, holder: string | null = null): Promise<{ others: boolean }> {
      const values = [tenantId, keyHash, entry.datasourceId, entry.fieldId, JSON.stringify(entry.payload), entry.expiresAt.getTime(), entry.staleUntil.getTime(), holder];
      const [row] = await sqlRows<{ others: boolean }>(db, 'oc-cache-put', PUT, values);
      return { others: row?.others === true };
    },
    /**
     * A miss between instances in one round trip: the stored entry, and the key's fill lease taken
     * for `ms` (database time) unless the entry is still fresh at `nowMs` (the companion's clock).
     * `contended`: a lease row existed when the statement began, so its filler may have written
     * the entry and released it since; only then is the entry read again.
     */
    async getOrTakeFill(tenantId: string, keyHash: string, holder: string, ms: number, nowMs: number): Promise<{ entry: StoredEntry | null; leased: boolean; contended: boolean }> {
      // The LEFT JOIN gives the entry's columns as nulls when there is none.
      type Row = { leased: number; contended: boolean } & ({ [K in keyof EntryRow]: null } | EntryRow);
      const [row] = await sqlRows<Row>(db, 'oc-cache-get-or-lease', GET_OR_TAKE_FILL, [tenantId, keyHash, holder, Math.ceil(ms), nowMs]);
      return { entry: row!.datasourceId === null ? null : toEntry(row as EntryRow), leased: row!.leased === 1, contended: row!.contended };
    },
    deleteForDatasource(tenantId: string, datasourceId: string) {
      return db.cacheEntry.deleteMany({ where: { tenantId, datasourceId } });
    },
    deleteForConfig(tenantId: string, configId: string) {
      return db.cacheEntry.deleteMany({ where: { tenantId, fieldId: configId } });
    },
    /** One key's entry (an answer its one user may no longer see). */
    deleteKey(tenantId: string, keyHash: string) {
      return db.cacheEntry.deleteMany({ where: { tenantId, keyHash } });
    },
    /**
     * The keys of the entries still inside their stale window at `nowMs` (the companion's clock),
     * with its end (epoch ms), all tenants; `limit + 1` of them at most, so that a caller asking for
     * `limit` can tell it did not get them all.
     */
    async liveKeys(nowMs: number, limit: number): Promise<Map<string, number>> {
      const rows = await sqlRows<{ keyHash: string; staleUntil: number }>(
        db,
        'oc-cache-live-keys',
        `SELECT "keyHash", (EXTRACT(EPOCH FROM "staleUntil") * 1000)::float8 AS "staleUntil" FROM "CacheEntry"
          WHERE "staleUntil" > to_timestamp($1::float8 / 1000) AT TIME ZONE 'UTC' LIMIT $2::int`,
        [nowMs, limit + 1],
      );
      return new Map(rows.map((r) => [r.keyHash, r.staleUntil]));
    },
    /** Whether someone holds a running fill lease on the key. */
    async fillRunning(tenantId: string, keyHash: string): Promise<boolean> {
      const rows = await db.$queryRaw<Array<{ running: boolean }>>`
        SELECT "expiresAt" > clock_timestamp() AS running FROM "CacheFill" WHERE "tenantId" = ${tenantId}::uuid AND "keyHash" = ${keyHash}`;
      return rows[0]?.running === true;
    },
    async releaseFill(tenantId: string, keyHash: string, holder: string): Promise<void> {
      await sqlRows(db, 'oc-cache-release', RELEASE_FILL, [tenantId, keyHash, holder]);
    },
    /** Leases of fillers that crashed (released ones are deleted by their holder). */
    deleteDeadFills() {
      return db.$executeRaw`DELETE FROM "CacheFill" WHERE "expiresAt" < clock_timestamp() - interval '1 minute'`;
    },
    /** Past their stale window, entries are of no use to anyone. */
    deleteDead(before: Date) {
      return db.cacheEntry.deleteMany({ where: { staleUntil: { lt: before } } });
    },
    /** Cache clear: bumping the generation makes every key of the datasource new, here and elsewhere. */
    async bumpDatasourceGeneration(tenantId: string, datasourceId: string): Promise<number | null> {
      if (!isUuid(datasourceId)) return null;
      const { count } = await db.datasource.updateMany({
        where: { id: datasourceId, tenantId, deletedAt: null },
        data: { cacheGeneration: { increment: 1 } },
      });
      if (count === 0) return null;
      const row = await db.datasource.findFirst({ where: { id: datasourceId, tenantId }, select: { cacheGeneration: true } });
      return row?.cacheGeneration ?? null;
    },
  };
}
export type CacheRepository = ReturnType<typeof cacheRepository>;
