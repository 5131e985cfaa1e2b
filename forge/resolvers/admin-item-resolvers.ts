// Admin page → companion, connected items and their mappings to projects / issue types.
import type { Resolver } from './resolver-class';
import { companionPath as p, type CompanionClient } from '../companion/companion-client';
import type { ForgePlatform } from '../platform/forge-platform';
import { itemHintsStore, type ItemHint, type MappingHint } from '../items/item-hints-store';
import { adminOnly, type AdminHandler } from './admin-guard';
import { optionalQuery, requireObject, requireString } from './resolver-envelope';

export function defineItemAdminResolvers(resolver: Resolver, platform: ForgePlatform, companion: CompanionClient) {
  const admin = (handler: AdminHandler) => adminOnly(platform, companion, handler);
  // The issue panel reads item names and mappings from Forge storage: keep them current.
  const hints = itemHintsStore(platform.kvs);
  resolver.define(
    'items/list',
    admin(async (q, companion) => {
      const list = await companion.request<{ items: ItemHint[] }>('GET', `/v1/admin/items${optionalQuery({ limit: q.limit as number, cursor: q.cursor as string })}`);
      if (q.cursor === undefined) await hints.saveItems(list.items);
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
      await companion.request('DELETE', p`/v1/admin/items/${id}`);
      await hints.removeItem(id);
      return { deleted: true };
    }),
  );
  resolver.define(
    'mappings/get',
    admin(async (_q, companion) => {
      const doc = await companion.request<{ mappings: MappingHint[] }>('GET', '/v1/admin/mappings');
      await hints.saveMappings(doc.mappings);
      return doc;
    }),
  );
  resolver.define(
    'mappings/put',
    admin(async (q, companion) => {
      const doc = await companion.request<{ mappings: MappingHint[] }>('PUT', '/v1/admin/mappings', requireObject(q, 'document'));
      await hints.saveMappings(doc.mappings);
      return doc;
    }),
  );
}
