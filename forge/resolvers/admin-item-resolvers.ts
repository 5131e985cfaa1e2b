// Admin page → companion, connected items and their mappings to projects / issue types.
import type { Resolver } from './resolver-class.js';
import { companionPath as p, type CompanionClient } from '../companion/companion-client.js';
import type { ForgePlatform } from '../platform/forge-platform.js';
import { adminOnly } from './admin-guard.js';
import { optionalQuery, requireObject, requireString } from './resolver-envelope.js';

export function defineItemAdminResolvers(resolver: Resolver, platform: ForgePlatform, companion: CompanionClient) {
  const admin = (handler: Parameters<typeof adminOnly>[1]) => adminOnly(platform, handler);
  resolver.define(
    'items/list',
    admin((q) => companion.request('GET', `/v1/admin/items${optionalQuery({ limit: q.limit as number, cursor: q.cursor as string })}`)),
  );
  resolver.define('items/get', admin((q) => companion.request('GET', p`/v1/admin/items/${requireString(q, 'id')}`)));
  resolver.define('items/create', admin((q) => companion.request('POST', '/v1/admin/items', requireObject(q, 'item'))));
  resolver.define('items/update', admin((q) => companion.request('PUT', p`/v1/admin/items/${requireString(q, 'id')}`, requireObject(q, 'item'))));
  resolver.define(
    'items/delete',
    admin(async (q) => {
      await companion.request('DELETE', p`/v1/admin/items/${requireString(q, 'id')}`);
      return { deleted: true };
    }),
  );
  resolver.define('mappings/get', admin(() => companion.request('GET', '/v1/admin/mappings')));
  resolver.define('mappings/put', admin((q) => companion.request('PUT', '/v1/admin/mappings', requireObject(q, 'document'))));
}
