// Admin page → companion, support: the support export (configuration without values or secrets),
// the live egress report (what is stored where) and the audit trail.
import type { Resolver } from './resolver-class';
import type { CompanionClient } from '../companion/companion-client';
import type { ForgePlatform } from '../platform/forge-platform';
import { adminOnly, type AdminHandler } from './admin-guard';
import { optionalQuery } from './resolver-envelope';

export function defineSupportResolvers(resolver: Resolver, platform: ForgePlatform, companion: CompanionClient) {
  const admin = (handler: AdminHandler) => adminOnly(platform, companion, handler);
  resolver.define('support/export', admin((_q, companion) => companion.request('GET', '/v1/admin/export')));
  resolver.define('support/egress', admin((_q, companion) => companion.request('GET', '/v1/admin/egress')));
  resolver.define(
    'support/audit',
    admin((q, companion) => companion.request('GET', `/v1/admin/audit${optionalQuery({ limit: q.limit as number, cursor: q.cursor as string })}`)),
  );
}
