// Issue panel / portal → companion: the connected items of the issue in the Forge context. Reading
// needs only the panel (Jira already checked the user sees the issue); writing also needs the
// user's EDIT_ISSUES permission on that issue, asked of Jira before the companion is called.
import type { Resolver } from './resolver-class.js';
import type { Request } from '@forge/resolver';
import { companionPath as p, type CompanionClient } from '../companion/companion-client.js';
import type { ForgePlatform } from '../platform/forge-platform.js';
import { envelope, refuse } from './resolver-envelope.js';
import { issueIdOf, requestContextOf } from './request-context.js';

export function defineIssueItemResolvers(resolver: Resolver, platform: ForgePlatform, companion: CompanionClient) {
  const issueOf = (request: Request) => {
    const id = issueIdOf(request);
    if (!id) throw refuse.badRequest('This view has no issue');
    return id;
  };

  resolver.define('issueItems/get', (request: Request) => envelope(() => companion.request('GET', p`/v1/issues/${issueOf(request)}/items`)));

  resolver.define('issueItems/put', (request: Request) =>
    envelope(async () => {
      const issueId = issueOf(request);
      const accountId = request.context.accountId as string | undefined;
      if (!accountId || !(await platform.canEditIssue(accountId, issueId))) {
        throw refuse.forbidden('You cannot edit this issue');
      }
      const items = (request.payload as { items?: unknown } | undefined)?.items;
      if (!Array.isArray(items)) throw refuse.badRequest('items must be a list');
      return companion.request('PUT', p`/v1/issues/${issueId}/items`, { context: requestContextOf(request, undefined), items });
    }),
  );
}
