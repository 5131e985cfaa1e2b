// Prisma access for the shared options cache (CacheEntry). Every query is scoped by tenant.
import type { DbTx } from '../db/prisma.js';
import type { Prisma } from '../generated/prisma/client.js';
import { isUuid } from '../db/ids.js';

export interface StoredEntry {
  datasourceId: string;
  fieldId: string | null;
  payload: unknown;
  expiresAt: Date;
  staleUntil: Date;
}

export function cacheRepository(db: DbTx) {
  return {
    get(tenantId: string, keyHash: string): Promise<StoredEntry | null> {
      return db.cacheEntry.findUnique({
        where: { tenantId_keyHash: { tenantId, keyHash } },
        select: { datasourceId: true, fieldId: true, payload: true, expiresAt: true, staleUntil: true },
      });
    },
    put(tenantId: string, keyHash: string, entry: StoredEntry) {
      const data = {
        datasourceId: entry.datasourceId,
        fieldId: entry.fieldId,
        payload: entry.payload as Prisma.InputJsonValue,
        expiresAt: entry.expiresAt,
        staleUntil: entry.staleUntil,
      };
      return db.cacheEntry.upsert({
        where: { tenantId_keyHash: { tenantId, keyHash } },
        create: { tenantId, keyHash, ...data },
        update: data,
      });
    },
    deleteForDatasource(tenantId: string, datasourceId: string) {
      return db.cacheEntry.deleteMany({ where: { tenantId, datasourceId } });
    },
    deleteForConfig(tenantId: string, configId: string) {
      return db.cacheEntry.deleteMany({ where: { tenantId, fieldId: configId } });
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
