// Prisma access for the tenant's mapping document: the rows plus the tenant's mappingsVersion.
import type { DbTx } from '../db/prisma.js';
import type { Mapping, MappingRef } from '../contract/mapping.js';

type Row = { itemId: string; projectId: string; issueTypeIds: string[]; requestTypeIds: string[]; hidden: boolean };
const toMapping = (r: Row): Mapping => ({ itemId: r.itemId, projectId: r.projectId, issueTypeIds: r.issueTypeIds, requestTypeIds: r.requestTypeIds, hidden: r.hidden });

/** Pairs per query: a page may name 5,000 of them, each two bound parameters. */
const PAIRS_PER_QUERY = 1000;
const chunks = <T>(list: T[]) => Array.from({ length: Math.ceil(list.length / PAIRS_PER_QUERY) }, (_, i) => list.slice(i * PAIRS_PER_QUERY, (i + 1) * PAIRS_PER_QUERY));
const pairsWhere = (tenantId: string, pairs: MappingRef[]) => ({ tenantId, OR: pairs.map((p) => ({ itemId: p.itemId, projectId: p.projectId })) });

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
        mappings: rows.map(toMapping),
      };
    },
    /** Mappings in document order after `afterPosition`, optionally of one item or project: `limit + 1` rows. */
    async page(tenantId: string, filter: { itemId?: string; projectId?: string }, limit: number, afterPosition: number | undefined) {
      const rows = await db.mapping.findMany({
        where: { tenantId, item: { deletedAt: null }, ...filter, ...(afterPosition === undefined ? {} : { position: { gt: afterPosition } }) },
        orderBy: { position: 'asc' },
        take: limit + 1,
      });
      return rows.map((r) => ({ position: r.position, mapping: toMapping(r) }));
    },
    async version(tenantId: string): Promise<number> {
      return (await db.tenant.findUnique({ where: { id: tenantId }, select: { mappingsVersion: true } }))?.mappingsVersion ?? 1;
    },
    count(tenantId: string) {
      return db.mapping.count({ where: { tenantId } });
    },
    /** The stored mappings of these item/project pairs, with their places in the document. */
    async findPairs(tenantId: string, pairs: MappingRef[]) {
      const found = [];
      for (const part of chunks(pairs)) found.push(...(await db.mapping.findMany({ where: pairsWhere(tenantId, part) })));
      return found.map((r) => ({ position: r.position, mapping: toMapping(r) }));
    },
    async deletePairs(tenantId: string, pairs: MappingRef[]): Promise<number> {
      let count = 0;
      for (const part of chunks(pairs)) count += (await db.mapping.deleteMany({ where: pairsWhere(tenantId, part) })).count;
      return count;
    },
    async nextPosition(tenantId: string): Promise<number> {
      const last = await db.mapping.aggregate({ where: { tenantId }, _max: { position: true } });
      return (last._max.position ?? -1) + 1;
    },
    async insert(tenantId: string, placed: Array<{ position: number; mapping: Mapping }>) {
      await db.mapping.createMany({ data: placed.map((p) => ({ tenantId, position: p.position, ...p.mapping })) });
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
