// Issue panel / portal → companion: the connected items of the issue in the Forge context. Reading
// needs only the panel (Jira already checked the user sees the issue); writing also needs the
// user's EDIT_ISSUES permission on that issue, asked of Jira before the companion is called.
import type { Resolver } from './resolver-class';
import type { Request } from '@forge/resolver';
import { companionPath as p, type CompanionClient } from '../companion/companion-client';
import type { ForgePlatform } from '../platform/forge-platform';
import { envelope, refuse } from './resolver-envelope';
import { issueIdOf, requestContextOf } from './request-context';
import { itemHintsStore, itemsFor } from '../items/item-hints-store';

interface IssueItems {
  items: Array<{ itemId: string; key: string; values: Array<{ id: string; value: string; attributes?: Record<string, string> }> }>;
}

export function defineIssueItemResolvers(resolver: Resolver, platform: ForgePlatform, companion: CompanionClient) {
  const issueOf = (request: Request) => {
    const id = issueIdOf(request);
    if (!id) throw refuse.badRequest('This view has no issue');
    return id;
  };

  const hints = itemHintsStore(platform.kvs);

  // The items mapped to this issue (from the hints) with the values the companion holds for it.
  resolver.define('issueItems/get', (request: Request) =>
    envelope(async () => {
      const stored = await companion.request<IssueItems>('GET', p`/v1/issues/${issueOf(request)}/items`);
      const where = requestContextOf(request, undefined).issue ?? {};
      const requestTypeId = (request.context.extension as { request?: { typeId?: string | number } } | undefined)?.request?.typeId;
      const all = await hints.read();
      const mapped = itemsFor(all, { projectId: where.projectId, issueTypeId: where.issueTypeId, ...(requestTypeId !== undefined ? { requestTypeId: String(requestTypeId) } : {}) });
      const ids = new Set([...mapped.map((i) => i.id), ...stored.items.map((i) => i.itemId)]);
      return {
        items: [...ids].map((itemId) => {
          const hint = all.items.find((i) => i.id === itemId);
          const values = stored.items.find((i) => i.itemId === itemId);
          return { itemId, key: hint?.key ?? values?.key ?? itemId, name: hint?.name ?? values?.key ?? itemId, editor: hint?.editor ?? 'select', values: values?.values ?? [] };
        }),
      };
    }),
  );

  resolver.define('issueItems/options', (request: Request) =>
    envelope(() => {
      const q = (request.payload ?? {}) as Record<string, unknown>;
      const itemId = typeof q.itemId === 'string' && q.itemId.length <= 200 ? q.itemId : '';
      if (!itemId) throw refuse.badRequest('itemId is required');
      return companion.request('POST', p`/v1/items/${itemId}/options`, {
        context: requestContextOf(request, undefined),
        ...(typeof q.input === 'string' ? { input: q.input.slice(0, 1000) } : {}),
      });
    }),
  );

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
