// Admin page → companion, datasources: CRUD, connection test, cache clear. Secrets go in with a
// create or an update and never come back (the companion answers `{"password": true}`).
import type { Resolver } from './resolver-class';
import { companionPath as p, type CompanionClient } from '../companion/companion-client';
import type { ForgePlatform } from '../platform/forge-platform';
import { adminOnly, type AdminHandler } from './admin-guard';
import { optionalQuery, requireObject, requireString } from './resolver-envelope';

export function defineDatasourceResolvers(resolver: Resolver, platform: ForgePlatform, companion: CompanionClient) {
  const admin = (handler: AdminHandler) => adminOnly(platform, companion, handler);
  resolver.define(
    'datasources/list',
    admin((q, companion) => companion.request('GET', `/v1/admin/datasources${optionalQuery({ limit: q.limit as number, cursor: q.cursor as string })}`)),
  );
  resolver.define('datasources/get', admin((q, companion) => companion.request('GET', p`/v1/admin/datasources/${requireString(q, 'id')}`)));
  resolver.define('datasources/create', admin((q, companion) => companion.request('POST', '/v1/admin/datasources', requireObject(q, 'datasource'))));
  resolver.define(
    'datasources/update',
    admin((q, companion) => companion.request('PUT', p`/v1/admin/datasources/${requireString(q, 'id')}`, requireObject(q, 'datasource'))),
  );
  resolver.define(
    'datasources/delete',
    admin(async (q, companion) => {
      await companion.request('DELETE', p`/v1/admin/datasources/${requireString(q, 'id')}`);
      return { deleted: true };
    }),
  );
  resolver.define('datasources/test', admin((q, companion) => companion.request('POST', p`/v1/admin/datasources/${requireString(q, 'id')}/test`, {})));
  resolver.define(
    'datasources/clearCache',
    admin((q, companion) => companion.request('POST', p`/v1/admin/datasources/${requireString(q, 'id')}/cache/clear`, {})),
  );
}
