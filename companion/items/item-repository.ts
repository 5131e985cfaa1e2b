// Prisma access for connected item configurations. Every query is scoped by tenant; soft-deleted
// rows are invisible here (the purge job and the egress report read them on their own).
import type { DbTx } from '../db/prisma.js';
import type { Prisma } from '../generated/prisma/client.js';
import { isUuid } from '../db/ids.js';
import { fieldRepository, type GraphNode } from '../fields/field-repository.js';
import { ITEM_KEY_PATTERN } from '../contract/item.js';
import { afterIdCursor } from '../db/id-cursor.js';

export type ItemRow = Prisma.ItemGetPayload<object>;

const ITEM_KEY = new RegExp(ITEM_KEY_PATTERN);

export function itemRepository(db: DbTx) {
  const live = (tenantId: string, id: string) => ({ id, tenantId, deletedAt: null });
  return {
    find(tenantId: string, id: string): Promise<ItemRow | null> {
      if (!isUuid(id)) return Promise.resolve(null);
      return db.item.findFirst({ where: live(tenantId, id) });
    },
    findByKey(tenantId: string, key: string): Promise<ItemRow | null> {
      return db.item.findFirst({ where: { tenantId, key, deletedAt: null } });
    },
    /** `:id` in public routes may be the item's id or its key (as for fields). */
    findByIdOrKey(tenantId: string, idOrKey: string): Promise<ItemRow | null> {
      if (isUuid(idOrKey)) return db.item.findFirst({ where: live(tenantId, idOrKey) });
      // Anything that is neither an id nor a key names nothing (and never reaches Postgres: a NUL
      // byte in a text parameter is an error there).
      if (!ITEM_KEY.test(idOrKey)) return Promise.resolve(null);
      return db.item.findFirst({ where: { tenantId, key: idOrKey, deletedAt: null } });
    },
    findMany(tenantId: string, ids: string[]) {
      return db.item.findMany({ where: { tenantId, deletedAt: null, id: { in: ids.filter(isUuid) } } });
    },
    listAll(tenantId: string) {
      return db.item.findMany({ where: { tenantId, deletedAt: null }, orderBy: { key: 'asc' } });
    },
    list(tenantId: string, limit: number, afterId: string | undefined) {
      return db.item.findMany({
        where: { tenantId, deletedAt: null, ...afterIdCursor(afterId) },
        orderBy: { id: 'asc' },
        take: limit + 1,
      });
    },
    create(data: Prisma.ItemUncheckedCreateInput) {
      return db.item.create({ data });
    },
    /** Optimistic concurrency: only the version that was read may be replaced. */
    async updateVersion(tenantId: string, id: string, version: number, data: Prisma.ItemUncheckedUpdateManyInput) {
      if (!isUuid(id)) return 0;
      const { count } = await db.item.updateMany({
        where: { ...live(tenantId, id), version },
        data: { ...data, version: { increment: 1 }, cacheGeneration: { increment: 1 } },
      });
      return count;
    },
    softDelete(tenantId: string, id: string, at: Date, purgeAt: Date) {
      return db.item.updateMany({ where: live(tenantId, id), data: { deletedAt: at, purgeAt } });
    },
    /** Live fields and items whose queries reference `key` (they would break if it went away). */
    referencedBy: (tenantId: string, key: string) => fieldRepository(db).referencedBy(tenantId, key),
    /** Every live field and item with its edges (fields and items share one key space). */
    async graph(tenantId: string): Promise<GraphNode[]> {
      const select = { id: true, key: true, dependsOn: true } as const;
      const [fields, items] = await Promise.all([
        db.field.findMany({ where: { tenantId, deletedAt: null }, select }),
        db.item.findMany({ where: { tenantId, deletedAt: null }, select }),
      ]);
      return [...fields.map((f) => ({ ...f, kind: 'field' as const })), ...items.map((i) => ({ ...i, kind: 'item' as const }))];
    },
    /** Values of a deleted item follow it: same purge date. */
    softDeleteValues(tenantId: string, itemId: string, at: Date, purgeAt: Date) {
      return db.itemValue.updateMany({ where: { tenantId, itemId, deletedAt: null }, data: { deletedAt: at, purgeAt } });
    },
  };
}
