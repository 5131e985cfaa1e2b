// Admin page → companion, connected items. Every save also refreshes the items' render hints in
// Forge storage, which the issue panel reads on every issue view.
import type { Resolver } from './resolver-class';
import { companionPath as p, type CompanionClient } from '../companion/companion-client';
import type { ForgePlatform } from '../platform/forge-platform';
import { itemHintsStore, type ItemHint } from '../items/item-hints-store';
import { adminOnly, type AdminHandler } from './admin-guard';
import { optionalQuery, requireObject, requireString } from './resolver-envelope';
import { defineMappingResolvers, mappingsOfItem } from './admin-mapping-resolvers';

export function defineItemAdminResolvers(resolver: Resolver, platform: ForgePlatform, companion: CompanionClient) {
  const admin = (handler: AdminHandler) => adminOnly(platform, companion, handler);
  const hints = itemHintsStore(platform.kvs);
  resolver.define(
    'items/list',
    admin(async (q, companion) => {
      const list = await companion.request<{ items: ItemHint[] }>('GET', `/v1/admin/items${optionalQuery({ limit: q.limit as number, cursor: q.cursor as string })}`);
      await hints.saveItems(list.items);
      return list;
    }),
  );
  resolver.define('items/get', admin((q, companion) => companion.request('GET', p`/v1/admin/items/${requireString(q, 'id')}`)));
  resolver.define(
    'items/create',
    admin(async (q, companion) => {
      const item = await companion.request<ItemHint>('POST', '/v1/admin/items', requireObject(q, 'item'));
      await hints.saveItem(item);
      return item;
    }),
  );
  resolver.define(
    'items/update',
    admin(async (q, companion) => {
      const item = await companion.request<ItemHint>('PUT', p`/v1/admin/items/${requireString(q, 'id')}`, requireObject(q, 'item'));
      await hints.saveItem(item);
      return item;
    }),
  );
  resolver.define(
    'items/delete',
    admin(async (q, companion) => {
      const id = requireString(q, 'id');
      // The companion drops the item's mappings with it; the hints of those projects follow.
      const projectIds = (await mappingsOfItem(companion, id)).map((m) => m.projectId);
      await companion.request('DELETE', p`/v1/admin/items/${id}`);
      await hints.removeItem(id, projectIds);
      return { deleted: true };
    }),
  );
  defineMappingResolvers(resolver, platform, companion);
}
