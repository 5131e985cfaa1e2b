// Issue panel / portal → companion: the connected items of the issue in the Forge context. On the
// portal (`jiraServiceManagement:portalRequestDetail`) the context names the request (key, request
// type) and no issue or project: the issue is read as the app from that key (customers may not read
// Jira as themselves). Reading needs only the panel (Jira or the portal showed it: the user can see
// the request); listing options and writing need the user's EDIT_ISSUES permission on the issue,
// asked of Jira before the companion is called. Portal customers normally lack it, so they see the
// request's connected items read-only.
import type { Resolver } from './resolver-class';
import type { Request } from '@forge/resolver';
import type { RequestContext } from '../../companion/contract/index';
import { companionPath as p, type CompanionClient } from '../companion/companion-client';
import type { ForgePlatform } from '../platform/forge-platform';
import { envelope, refuse } from './resolver-envelope';
import { accountIdOf, portalRequestOf, requestContextOf } from './request-context';
import { itemHintsStore } from '../items/item-hints-store';

interface IssueItems {
  items: Array<{ itemId: string; key: string; values: Array<{ id: string; value: string; attributes?: Record<string, string> }> }>;
}

/** The issue a panel is about, and where it sits (what mappings are matched on). */
interface IssueTarget {
  id: string;
  requestTypeId: string | undefined;
  context: RequestContext;
}

// Jira issue keys: project key, dash, number (`SUP-42`).
const ISSUE_KEY = /^[A-Z][A-Z0-9_]{0,254}-[0-9]{1,18}$/;

export function defineIssueItemResolvers(resolver: Resolver, platform: ForgePlatform, companion: CompanionClient) {
  const hints = itemHintsStore(platform.kvs);

  async function targetOf(request: Request): Promise<IssueTarget> {
    const portal = portalRequestOf(request);
    if (portal) {
      if (!ISSUE_KEY.test(portal.key)) throw refuse.badRequest('This portal request has no valid key');
      const issue = await platform.findIssue(portal.key);
      if (!issue) throw refuse.notFound('This request could not be found');
      const { id, key, projectId, projectKey, issueTypeId } = issue;
      return { id, requestTypeId: portal.requestTypeId, context: { issue: { id, key, projectId, ...(projectKey ? { projectKey } : {}), issueTypeId } } };
    }
    const context = requestContextOf(request, undefined);
    if (!context.issue?.id) throw refuse.badRequest('This view has no issue');
    return { id: context.issue.id, requestTypeId: undefined, context };
  }

  const mayEdit = async (request: Request, issueId: string) => {
    const accountId = accountIdOf(request);
    return accountId !== undefined && (await platform.canEditIssue(accountId, issueId));
  };
  const mustEdit = async (request: Request, issueId: string) => {
    if (!(await mayEdit(request, issueId))) throw refuse.forbidden('You cannot edit this issue');
  };

  // The items mapped to this issue (from the hints) with the values the companion holds for it, and
  // whether the user may change them (the panel offers editing only then).
  resolver.define('issueItems/get', (request: Request) =>
    envelope(async () => {
      const target = await targetOf(request);
      const where = target.context.issue ?? {};
      const [stored, mapped, canEdit] = await Promise.all([
        companion.as(accountIdOf(request)).request<IssueItems>('GET', p`/v1/issues/${target.id}/items`),
        hints.forIssue({ projectId: where.projectId, issueTypeId: where.issueTypeId, ...(target.requestTypeId !== undefined ? { requestTypeId: target.requestTypeId } : {}) }),
        mayEdit(request, target.id),
      ]);
      const ids = new Set([...mapped.map((i) => i.id), ...stored.items.map((i) => i.itemId)]);
      // Items with a stored value that no mapping shows here any more still need their names.
      const known = [...mapped, ...(await hints.items(stored.items.map((i) => i.itemId).filter((id) => !mapped.some((m) => m.id === id))))];
      return {
        canEdit,
        items: [...ids].map((itemId) => {
          const hint = known.find((i) => i.id === itemId);
          const values = stored.items.find((i) => i.itemId === itemId);
          return { itemId, key: hint?.key ?? values?.key ?? itemId, name: hint?.name ?? values?.key ?? itemId, editor: hint?.editor ?? 'select', values: values?.values ?? [] };
        }),
      };
    }),
  );

  // An item's options are its editor's list: only for a user who may edit the issue.
  resolver.define('issueItems/options', (request: Request) =>
    envelope(async () => {
      const q = (request.payload ?? {}) as Record<string, unknown>;
      const itemId = typeof q.itemId === 'string' && q.itemId.length <= 200 ? q.itemId : '';
      if (!itemId) throw refuse.badRequest('itemId is required');
      const target = await targetOf(request);
      await mustEdit(request, target.id);
      return companion.as(accountIdOf(request)).request('POST', p`/v1/items/${itemId}/options`, {
        context: target.context,
        ...(typeof q.input === 'string' ? { input: q.input.slice(0, 1000) } : {}),
      });
    }),
  );

  resolver.define('issueItems/put', (request: Request) =>
    envelope(async () => {
      const items = (request.payload as { items?: unknown } | undefined)?.items;
      if (!Array.isArray(items)) throw refuse.badRequest('items must be a list');
      const target = await targetOf(request);
      await mustEdit(request, target.id);
      return companion.as(accountIdOf(request)).request('PUT', p`/v1/issues/${target.id}/items`, { context: target.context, items });
    }),
  );
}
