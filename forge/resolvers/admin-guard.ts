// Every admin resolver goes through here first: the caller must be a Jira administrator, asked of
// Jira itself, before a single byte goes to the companion. The admin page is only shown to admins,
// but the function can be invoked directly, so the page's visibility is not a check. The handler
// gets the companion calls made for that admin, so the companion's audit names who changed what.
import type { Request } from '@forge/resolver';
import type { CompanionCalls, CompanionClient } from '../companion/companion-client';
import type { ForgePlatform } from '../platform/forge-platform';
import { envelope, refuse, type ResolverResult } from './resolver-envelope';
import { accountIdOf } from './request-context';

export type AdminHandler = (payload: Record<string, unknown>, companion: CompanionCalls, request: Request) => Promise<unknown>;

export function adminOnly(platform: ForgePlatform, companion: CompanionClient, handler: AdminHandler) {
  return (request: Request): Promise<ResolverResult<unknown>> =>
    envelope(async () => {
      const accountId = accountIdOf(request);
      if (!accountId || !(await platform.isJiraAdmin(accountId))) {
        throw refuse.forbidden('Only Jira administrators can change open-connect settings');
      }
      return handler((request.payload ?? {}) as Record<string, unknown>, companion.as(accountId), request);
    });
}
