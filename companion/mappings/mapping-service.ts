// The mapping document (items ↔ projects, issue types, JSM request types): read whole or in pages,
// replaced whole with the version that was read, or changed a page at a time (set / remove by item
// and project). Only items of the same tenant may be mapped; the document holds at most 5,000.
import type { Db } from '../db/prisma.js';
import type { ErrorDetail } from '../contract/common.js';
import { MAX_MAPPINGS, type Mapping, type MappingsDocument, type MappingsPatch, type MappingsPatchResult, type MappingsQuery, type MappingsUpdate } from '../contract/mapping.js';
import { AppError, staleVersion } from '../errors.js';
import { recordAudit } from '../audit/record-audit.js';
import { itemRepository } from '../items/item-repository.js';
import { mappingRepository } from './mapping-repository.js';

export interface Actor {
  tenantId: string;
  accountId: string | null;
}

const MAX_DETAILS = 20;
/**
 * A document at the limit is 5,000 rows written and read back (and audited) in one transaction:
 * more than Prisma's default 5 s on a loaded machine or the embedded database. Still well inside
 * the 25 s a resolver call has.
 */
const TRANSACTION = { timeout: 15_000, maxWait: 5_000 };
const pairOf = (m: { itemId: string; projectId: string }) => `${m.itemId}/${m.projectId}`;

/** Defaults filled in, duplicates of an item/project pair refused at the entry that repeats it. */
function normalise(input: MappingsUpdate['mappings'], listPath: string): Mapping[] {
  const seen = new Set<string>();
  return input.map((m, i) => {
    if (seen.has(pairOf(m))) {
      const message = `item ${m.itemId} is mapped to project ${m.projectId} twice`;
      throw new AppError(400, 'validation_failed', `${listPath.slice(1)}[${i}]: ${message}`, { details: [{ path: `${listPath}/${i}/projectId`, message }] });
    }
    seen.add(pairOf(m));
    return {
      itemId: m.itemId,
      projectId: m.projectId,
      issueTypeIds: [...new Set(m.issueTypeIds ?? [])],
      requestTypeIds: [...new Set(m.requestTypeIds ?? [])],
      hidden: m.hidden ?? false,
    };
  });
}

export function mappingService(db: Db) {
  /** 422 naming every entry (up to 20) whose item is not one of this tenant's. */
  async function checkItems(tenantId: string, mappings: Mapping[], listPath: string) {
    const itemIds = [...new Set(mappings.map((m) => m.itemId))];
    const known = new Set((await itemRepository(db).findMany(tenantId, itemIds)).map((i) => i.id));
    const unknown = itemIds.filter((id) => !known.has(id));
    if (unknown.length === 0) return;
    const details: ErrorDetail[] = mappings
      .flatMap((m, i) => (known.has(m.itemId) ? [] : [{ path: `${listPath}/${i}/itemId`, message: 'is not a connected item of this site' }]))
      .slice(0, MAX_DETAILS);
    throw new AppError(422, 'unknown_item', `Unknown items: ${unknown.slice(0, 5).join(', ')}`, { details });
  }

  return {
    async read(tenantId: string, query: MappingsQuery = {}): Promise<MappingsDocument> {
      const filter = { ...(query.itemId ? { itemId: query.itemId } : {}), ...(query.projectId ? { projectId: query.projectId } : {}) };
      if (query.limit === undefined && query.cursor === undefined && !query.itemId && !query.projectId) return mappingRepository(db).read(tenantId);
      const limit = query.limit ?? MAX_MAPPINGS;
      const repo = mappingRepository(db);
      const [version, rows] = await Promise.all([repo.version(tenantId), repo.page(tenantId, filter, limit, query.cursor === undefined ? undefined : Number(query.cursor))]);
      const page = rows.slice(0, limit);
      return { version, mappings: page.map((r) => r.mapping), nextCursor: rows.length > limit ? String(page[page.length - 1]!.position) : null };
    },

    async replace(actor: Actor, input: MappingsUpdate): Promise<MappingsDocument> {
      const mappings = normalise(input.mappings, '/mappings');
      await checkItems(actor.tenantId, mappings, '/mappings');
      return db.$transaction(async (tx) => {
        const repo = mappingRepository(tx);
        const before = await repo.read(actor.tenantId);
        if (!(await repo.claimVersion(actor.tenantId, input.version))) throw staleVersion('The mappings');
        await repo.replaceAll(actor.tenantId, mappings);
        const after = await repo.read(actor.tenantId);
        await recordAudit(tx, { tenantId: actor.tenantId, actor: actor.accountId, action: 'mappings.replaced', entityType: 'mappings', entityId: null, before, after });
        return after;
      }, TRANSACTION);
    },

    /** One page of changes: all of it or nothing, and only against the version read. */
    async patch(actor: Actor, input: MappingsPatch): Promise<MappingsPatchResult> {
      const set = normalise(input.set ?? [], '/set');
      const remove = input.remove ?? [];
      const setPairs = new Set(set.map(pairOf));
      const both = remove.findIndex((r) => setPairs.has(pairOf(r)));
      if (both >= 0) {
        const message = 'is both set and removed in the same page';
        throw new AppError(400, 'validation_failed', `remove[${both}]: ${message}`, { details: [{ path: `/remove/${both}`, message }] });
      }
      await checkItems(actor.tenantId, set, '/set');
      return db.$transaction(async (tx) => {
        const repo = mappingRepository(tx);
        if (!(await repo.claimVersion(actor.tenantId, input.version))) throw staleVersion('The mappings');
        // A replaced mapping keeps its place in the document; a new one goes at the end.
        const replaced = await repo.findPairs(actor.tenantId, set);
        const removed = await repo.findPairs(actor.tenantId, remove);
        await repo.deletePairs(actor.tenantId, [...set, ...remove]);
        const placeOf = new Map(replaced.map((r) => [pairOf(r.mapping), r.position]));
        let next = await repo.nextPosition(actor.tenantId);
        await repo.insert(actor.tenantId, set.map((mapping) => ({ position: placeOf.get(pairOf(mapping)) ?? next++, mapping })));
        const total = await repo.count(actor.tenantId);
        if (total > MAX_MAPPINGS) {
          const message = `the document would hold ${total} mappings; at most ${MAX_MAPPINGS} are allowed`;
          throw new AppError(422, 'too_many_mappings', message, { details: [{ path: '/set', message }] });
        }
        const version = await repo.version(actor.tenantId);
        await recordAudit(tx, {
          tenantId: actor.tenantId,
          actor: actor.accountId,
          action: 'mappings.changed',
          entityType: 'mappings',
          entityId: null,
          before: { mappings: [...replaced, ...removed].map((r) => r.mapping) },
          after: { mappings: set },
        });
        return { version, set: set.length, removed: removed.length, total };
      }, TRANSACTION);
    },
  };
}
