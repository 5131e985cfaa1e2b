// Prisma access for the tenant's mapping document: the rows plus the tenant's mappingsVersion.
import type { DbTx } from '../db/prisma.js';
import type { Mapping } from '../contract/mapping.js';

export function mappingRepository(db: DbTx) {
  return {
    async read(tenantId: string): Promise<{ version: number; mappings: Mapping[] }> {
      const [tenant, rows] = await Promise.all([
        db.tenant.findUnique({ where: { id: tenantId }, select: { mappingsVersion: true } }),
        // Mappings of deleted items are removed with the item; the filter keeps that true regardless.
        db.mapping.findMany({ where: { tenantId, item: { deletedAt: null } }, orderBy: { position: 'asc' } }),
      ]);
      return {
        version: tenant?.mappingsVersion ?? 1,
        mappings: rows.map((r) => ({ itemId: r.itemId, projectId: r.projectId, issueTypeIds: r.issueTypeIds, requestTypeIds: r.requestTypeIds, hidden: r.hidden })),
      };
    },
    /** Takes the next version only if `version` is the current one (optimistic concurrency). */
    async claimVersion(tenantId: string, version: number): Promise<boolean> {
      const { count } = await db.tenant.updateMany({ where: { id: tenantId, mappingsVersion: version }, data: { mappingsVersion: { increment: 1 } } });
      return count === 1;
    },
    bumpVersion(tenantId: string) {
      return db.tenant.update({ where: { id: tenantId }, data: { mappingsVersion: { increment: 1 } } });
    },
    async replaceAll(tenantId: string, mappings: Mapping[]) {
      await db.mapping.deleteMany({ where: { tenantId } });
      await db.mapping.createMany({ data: mappings.map((m, position) => ({ tenantId, position, ...m })) });
    },
    async removeForItem(tenantId: string, itemId: string): Promise<number> {
      const { count } = await db.mapping.deleteMany({ where: { tenantId, itemId } });
      return count;
    },
  };
}
