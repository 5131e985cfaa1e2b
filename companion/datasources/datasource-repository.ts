// Prisma access for datasources. Every query is scoped by tenant; soft-deleted rows are invisible.
import type { DbTx } from '../db/prisma.js';
import type { Prisma } from '../generated/prisma/client.js';
import { isUuid } from '../db/ids.js';
import { afterIdCursor } from '../db/id-cursor.js';

export type DatasourceRow = Prisma.DatasourceGetPayload<object>;

export function datasourceRepository(db: DbTx) {
  const live = (tenantId: string, id: string) => ({ id, tenantId, deletedAt: null });
  return {
    find(tenantId: string, id: string): Promise<DatasourceRow | null> {
      if (!isUuid(id)) return Promise.resolve(null);
      return db.datasource.findFirst({ where: live(tenantId, id) });
    },
    list(tenantId: string, limit: number, afterId: string | undefined) {
      return db.datasource.findMany({
        where: { tenantId, deletedAt: null, ...afterIdCursor(afterId) },
        orderBy: { id: 'asc' },
        take: limit + 1,
      });
    },
    create(data: Prisma.DatasourceUncheckedCreateInput) {
      return db.datasource.create({ data });
    },
    /** Optimistic concurrency: only the version that was read may be replaced. */
    async updateVersion(tenantId: string, id: string, version: number, data: Prisma.DatasourceUncheckedUpdateManyInput) {
      if (!isUuid(id)) return 0;
      const { count } = await db.datasource.updateMany({
        where: { ...live(tenantId, id), version },
        data: { ...data, version: { increment: 1 }, cacheGeneration: { increment: 1 } },
      });
      return count;
    },
    usedBy(tenantId: string, id: string) {
      return Promise.all([
        db.field.findMany({ where: { tenantId, datasourceId: id, deletedAt: null }, select: { key: true }, take: 10 }),
        db.item.findMany({ where: { tenantId, datasourceId: id, deletedAt: null }, select: { key: true }, take: 10 }),
      ]);
    },
    softDelete(tenantId: string, id: string, at: Date, purgeAt: Date) {
      return db.datasource.updateMany({ where: live(tenantId, id), data: { deletedAt: at, purgeAt } });
    },
    bumpCacheGeneration(tenantId: string, id: string) {
      return db.datasource.updateMany({ where: live(tenantId, id), data: { cacheGeneration: { increment: 1 } } });
    },
  };
}
