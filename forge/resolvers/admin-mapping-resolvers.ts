// Admin page → companion, the mappings of connected items to projects, issue types and request
// types. The admin page reads one item's mappings a page at a time and saves its changes a page at a
// time (`mappings/patch`), so no call carries the whole document: a frontend call may send at most
// 500 KB and receive at most 5 MB. Each accepted page is applied to the issue panel's hints too.
import type { Resolver } from './resolver-class';
import type { CompanionCalls, CompanionClient } from '../companion/companion-client';
import type { ForgePlatform } from '../platform/forge-platform';
import { itemHintsStore, type MappingHint } from '../items/item-hints-store';
import { adminOnly, type AdminHandler } from './admin-guard';
import { optionalQuery, refuse, requireObject } from './resolver-envelope';

/** At most 5,000 mappings of ≤ 1,000 ids each: 200 per answer stays under the 5 MB a UI may receive. */
export const MAPPING_PAGE_LIMIT = 200;

interface MappingsPage {
  version: number;
  mappings: MappingHint[];
  nextCursor?: string | null;
}

type MappingRef = { itemId: string; projectId: string };

const ids = (value: unknown): string[] => (Array.isArray(value) ? [...new Set(value.filter((v): v is string => typeof v === 'string'))] : []);

/** What the companion stores for a `set` entry: its defaults filled in and ids deduplicated. */
function asStored(value: unknown): MappingHint {
  const m = (value ?? {}) as Record<string, unknown>;
  return { itemId: String(m.itemId), projectId: String(m.projectId), issueTypeIds: ids(m.issueTypeIds), requestTypeIds: ids(m.requestTypeIds), hidden: m.hidden === true };
}

/** Every mapping of one item, read page by page. */
export async function mappingsOfItem(companion: CompanionCalls, itemId: string): Promise<MappingHint[]> {
  const all: MappingHint[] = [];
  let cursor: string | null | undefined;
  do {
    const page: MappingsPage = await companion.request('GET', `/v1/admin/mappings${optionalQuery({ itemId, limit: 1000, cursor: cursor ?? undefined })}`);
    all.push(...page.mappings);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

export function defineMappingResolvers(resolver: Resolver, platform: ForgePlatform, companion: CompanionClient) {
  const admin = (handler: AdminHandler) => adminOnly(platform, companion, handler);
  const hints = itemHintsStore(platform.kvs);

  // The whole document in one answer (small documents, `npm run demo`), healing the hints.
  resolver.define(
    'mappings/get',
    admin(async (_q, companion) => {
      const doc = await companion.request<MappingsPage>('GET', '/v1/admin/mappings');
      await hints.replaceMappings(doc.mappings);
      return doc;
    }),
  );
  resolver.define(
    'mappings/put',
    admin(async (q, companion) => {
      const doc = await companion.request<MappingsPage>('PUT', '/v1/admin/mappings', requireObject(q, 'document'));
      await hints.replaceMappings(doc.mappings);
      return doc;
    }),
  );

  // One page of one item's mappings (or of the document), with the version to save against.
  resolver.define(
    'mappings/page',
    admin((q, companion) => {
      const itemId = typeof q.itemId === 'string' ? q.itemId : undefined;
      const cursor = typeof q.cursor === 'string' ? q.cursor : undefined;
      return companion.request('GET', `/v1/admin/mappings${optionalQuery({ itemId, limit: MAPPING_PAGE_LIMIT, cursor })}`);
    }),
  );

  // One page of changes: {version, set: [mapping], remove: [{itemId, projectId}]} → {version, …}.
  resolver.define(
    'mappings/patch',
    admin(async (q, companion) => {
      const set = Array.isArray(q.set) ? q.set : [];
      const remove = Array.isArray(q.remove) ? q.remove : [];
      if (typeof q.version !== 'number') throw refuse.badRequest('version is required');
      const answer = await companion.request<{ version: number }>('PATCH', '/v1/admin/mappings', { version: q.version, set, remove });
      await hints.applyMappingChanges(set.map(asStored), remove.map((r) => ({ itemId: String((r as MappingRef).itemId), projectId: String((r as MappingRef).projectId) })));
      return answer;
    }),
  );
}
