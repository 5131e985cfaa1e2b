// Prisma access for the shared options cache (CacheEntry). Every query is scoped by tenant.
import type { Db } from '../db/prisma.js';
import { isUuid } from '../db/ids.js';

export interface StoredEntry {
  datasourceId: string;
  fieldId: string | null;
  payload: unknown;
  expiresAt: Date;
  staleUntil: Date;
}

export function cacheRepository(db: Db) {
  return {
    // get and put are on the path of every miss: one plain statement each, without Prisma's query
    // planning (several times slower here for the same row).
    async get(tenantId: string, keyHash: string): Promise<StoredEntry | null> {
      const rows = await db.$queryRaw<StoredEntry[]>`
        SELECT "datasourceId"::text AS "datasourceId", "fieldId"::text AS "fieldId", payload, "expiresAt", "staleUntil"
        FROM "CacheEntry" WHERE "tenantId" = ${tenantId}::uuid AND "keyHash" = ${keyHash}`;
      return rows[0] ?? null;
    },
    /** Not in a transaction: one statement is atomic, and batch transactions here could be left open. */
    put(tenantId: string, keyHash: string, entry: StoredEntry) {
      return db.$executeRaw`
        INSERT INTO "CacheEntry" ("tenantId", "keyHash", "datasourceId", "fieldId", payload, "expiresAt", "staleUntil")
        VALUES (${tenantId}::uuid, ${keyHash}, ${entry.datasourceId}::uuid, ${entry.fieldId}::uuid, ${JSON.stringify(entry.payload)}::jsonb,
                ${entry.expiresAt}, ${entry.staleUntil})
        ON CONFLICT ("tenantId", "keyHash") DO UPDATE SET
          "datasourceId" = EXCLUDED."datasourceId", "fieldId" = EXCLUDED."fieldId", payload = EXCLUDED.payload,
          "expiresAt" = EXCLUDED."expiresAt", "staleUntil" = EXCLUDED."staleUntil", "createdAt" = now()`;
    },
    deleteForDatasource(tenantId: string, datasourceId: string) {
      return db.cacheEntry.deleteMany({ where: { tenantId, datasourceId } });
    },
    deleteForConfig(tenantId: string, configId: string) {
      return db.cacheEntry.deleteMany({ where: { tenantId, fieldId: configId } });
    },
    /**
     * Takes the fill lease of a key for `ms` (database time, so instances' clocks do not matter):
     * true when this caller holds it now, false when another holder's lease is still running.
     */
    async takeFill(tenantId: string, keyHash: string, holder: string, ms: number): Promise<boolean> {
      const rows = await db.$queryRaw<Array<{ holder: string }>>`
        INSERT INTO "CacheFill" ("tenantId", "keyHash", holder, "expiresAt")
        VALUES (${tenantId}::uuid, ${keyHash}, ${holder}, clock_timestamp() + ${Math.ceil(ms)}::int * interval '1 millisecond')
        ON CONFLICT ("tenantId", "keyHash") DO UPDATE SET holder = EXCLUDED.holder, "expiresAt" = EXCLUDED."expiresAt"
        WHERE "CacheFill"."expiresAt" <= clock_timestamp()
        RETURNING holder`;
      return rows.length === 1;
    },
    /** Whether someone holds a running fill lease on the key. */
    async fillRunning(tenantId: string, keyHash: string): Promise<boolean> {
      const rows = await db.$queryRaw<Array<{ running: boolean }>>`
        SELECT "expiresAt" > clock_timestamp() AS running FROM "CacheFill" WHERE "tenantId" = ${tenantId}::uuid AND "keyHash" = ${keyHash}`;
      return rows[0]?.running === true;
    },
    releaseFill(tenantId: string, keyHash: string, holder: string) {
      return db.$executeRaw`DELETE FROM "CacheFill" WHERE "tenantId" = ${tenantId}::uuid AND "keyHash" = ${keyHash} AND holder = ${holder}`;
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
