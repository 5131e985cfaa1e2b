// Prisma access for connected fields. Every query is scoped by tenant; soft-deleted rows are invisible.
import type { DbTx } from '../db/prisma.js';
import type { Prisma } from '../generated/prisma/client.js';
import { isUuid } from '../db/ids.js';
import { afterIdCursor } from '../db/id-cursor.js';

export type FieldRow = Prisma.FieldGetPayload<object>;

/** A node of the tenant's dependency graph: fields and connected items share one key space. */
export interface GraphNode {
  id: string;
  key: string;
  kind: 'field' | 'item';
  dependsOn: string[];
}

const FIELD_KEY = /^customfield_[0-9]{1,12}$/;

export function fieldRepository(db: DbTx) {
  const live = (tenantId: string, id: string) => ({ id, tenantId, deletedAt: null });
  return {
    find(tenantId: string, id: string): Promise<FieldRow | null> {
      if (!isUuid(id)) return Promise.resolve(null);
      return db.field.findFirst({ where: live(tenantId, id) });
    },
    /** `ref` is the field's id or its Jira key. */
    findByRef(tenantId: string, ref: string): Promise<FieldRow | null> {
      if (isUuid(ref)) return db.field.findFirst({ where: live(tenantId, ref) });
      if (!FIELD_KEY.test(ref)) return Promise.resolve(null);
      return db.field.findFirst({ where: { tenantId, key: ref, deletedAt: null } });
    },
    findByKey(tenantId: string, key: string) {
      return db.field.findFirst({ where: { tenantId, key, deletedAt: null }, select: { id: true } });
    },
    list(tenantId: string, limit: number, afterId: string | undefined) {
      return db.field.findMany({
        where: { tenantId, deletedAt: null, ...afterIdCursor(afterId) },
        orderBy: { id: 'asc' },
        take: limit + 1,
      });
    },
    listAll(tenantId: string): Promise<FieldRow[]> {
      return db.field.findMany({ where: { tenantId, deletedAt: null }, orderBy: { key: 'asc' } });
    },
    /** Live fields and items whose queries reference `key` (at most 10 of each, to name them). */
    referencedBy(tenantId: string, key: string) {
      return Promise.all([
        db.field.findMany({ where: { tenantId, deletedAt: null, dependsOn: { has: key } }, select: { key: true }, take: 10 }),
        db.item.findMany({ where: { tenantId, deletedAt: null, dependsOn: { has: key } }, select: { key: true }, take: 10 }),
      ]);
    },
    /** Every live field and item with its edges: enough to check cycles and walk downstream. */
    async graph(tenantId: string): Promise<GraphNode[]> {
      const select = { id: true, key: true, dependsOn: true } as const;
      const [fields, items] = await Promise.all([
        db.field.findMany({ where: { tenantId, deletedAt: null }, select }),
        db.item.findMany({ where: { tenantId, deletedAt: null }, select }),
      ]);
      return [...fields.map((f) => ({ ...f, kind: 'field' as const })), ...items.map((i) => ({ ...i, kind: 'item' as const }))];
    },
    create(data: Prisma.FieldUncheckedCreateInput) {
      return db.field.create({ data });
    },
    /** Optimistic concurrency: only the version that was read may be replaced. */
    async updateVersion(tenantId: string, id: string, version: number, data: Prisma.FieldUncheckedUpdateManyInput) {
      const { count } = await db.field.updateMany({
        where: { ...live(tenantId, id), version },
        data: { ...data, version: { increment: 1 }, cacheGeneration: { increment: 1 } },
      });
      return count;
    },
    softDelete(tenantId: string, id: string, at: Date, purgeAt: Date) {
      return db.field.updateMany({ where: live(tenantId, id), data: { deletedAt: at, purgeAt, cacheGeneration: { increment: 1 } } });
    },
  };
}
export type FieldRepository = ReturnType<typeof fieldRepository>;
