// Admin page → companion, datasource health: each datasource's recent upstream calls, errors,
// latency and cache outcomes, for the tenant of the calling installation only.
import type { Resolver } from './resolver-class';
import type { CompanionClient } from '../companion/companion-client';
import type { ForgePlatform } from '../platform/forge-platform';
import { adminOnly } from './admin-guard';

export function defineHealthResolvers(resolver: Resolver, platform: ForgePlatform, companion: CompanionClient) {
  resolver.define('health/datasources', adminOnly(platform, companion, (_q, calls) => calls.request('GET', '/v1/admin/health')));
}
