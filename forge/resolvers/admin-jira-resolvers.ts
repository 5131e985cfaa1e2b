// Admin page → Jira (as the app, through @forge/api's requestJira): the project, issue type and
// request type pickers of the mapping form. Admins only, like every admin resolver.
import type { Resolver } from './resolver-class';
import type { ForgePlatform } from '../platform/forge-platform';
import type { CompanionClient } from '../companion/companion-client';
import { jiraPickers } from '../admin/jira-pickers';
import { adminOnly, type AdminHandler } from './admin-guard';
import { refuse } from './resolver-envelope';

const JIRA_ID = /^[0-9]{1,20}$/;

function projectIdOf(q: Record<string, unknown>): string {
  if (typeof q.projectId !== 'string' || !JIRA_ID.test(q.projectId)) throw refuse.badRequest('projectId must be a Jira project id');
  return q.projectId;
}

export function defineJiraPickerResolvers(resolver: Resolver, platform: ForgePlatform, companion: CompanionClient) {
  // (The companion is not called: admin handlers are given it, the pickers only read Jira.)
  const admin = (handler: AdminHandler) => adminOnly(platform, companion, handler);
  const pickers = jiraPickers(platform);
  resolver.define(
    'jira/projects',
    admin((q) =>
      pickers.projects({
        query: typeof q.query === 'string' ? q.query : undefined,
        startAt: typeof q.startAt === 'number' && Number.isSafeInteger(q.startAt) && q.startAt >= 0 ? q.startAt : undefined,
        ids: Array.isArray(q.ids) ? q.ids.filter((id): id is string => typeof id === 'string' && JIRA_ID.test(id)) : undefined,
      }),
    ),
  );
  resolver.define('jira/issueTypes', admin(async (q) => ({ issueTypes: await pickers.issueTypes(projectIdOf(q)) })));
  resolver.define('jira/requestTypes', admin(async (q) => ({ requestTypes: await pickers.requestTypes(projectIdOf(q)) })));
}
