// Prisma access for connected item values (one row per tenant, issue and item).
import type { DbTx } from '../db/prisma.js';
import type { ItemValue } from '../contract/item.js';

export function itemValueRepository(db: DbTx) {
  return {
    forIssue(tenantId: string, issueId: string) {
      return db.itemValue.findMany({
        where: { tenantId, issueId, deletedAt: null, item: { deletedAt: null } },
        select: { itemId: true, values: true, item: { select: { key: true } } },
        orderBy: { item: { key: 'asc' } },
      });
    },
    set(tenantId: string, issueId: string, itemId: string, values: ItemValue[]) {
      return db.itemValue.upsert({
        where: { tenantId_issueId_itemId: { tenantId, issueId, itemId } },
        create: { tenantId, issueId, itemId, values },
        update: { values, deletedAt: null, purgeAt: null },
      });
    },
    clear(tenantId: string, issueId: string, itemId: string) {
      return db.itemValue.deleteMany({ where: { tenantId, issueId, itemId } });
    },
    /** The issue was deleted: its values go at the purge date. */
    softDeleteIssue(tenantId: string, issueId: string, at: Date, purgeAt: Date) {
      return db.itemValue.updateMany({ where: { tenantId, issueId, deletedAt: null }, data: { deletedAt: at, purgeAt } });
    },
  };
}
