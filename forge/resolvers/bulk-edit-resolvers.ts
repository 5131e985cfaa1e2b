// Bulk edit of an object field (the `issue-bulk-edit` experience, Preview). Forge gives that context
// the selected `issues` (id, key, type) and no single issue, so the value the person picked is checked
// against the field's options for EACH issue (its parents as Jira holds them), as a single edit would,
// and the fields that depend on it are recomputed per issue with the new value. Only when every issue
// accepts it are those dependents written, as the user (the UI then submits the value, which Jira
// writes itself); otherwise nothing is written and the answer names the issues that refused it.
import type { Request } from '@forge/resolver';
import type { ResolveResponse } from '../../companion/contract/index';
import { companionPath as p, CompanionError, type CompanionClient } from '../companion/companion-client';
import type { ForgePlatform, IssueLocation } from '../platform/forge-platform';
import { jiraRefusal, WriteRefused, writeFreshValues } from '../automation/connected-writes';
import type { Resolver } from './resolver-class';
import { envelope, refuse, requireString, ResolverRefusal } from './resolver-envelope';
import { accountIdOf } from './request-context';

const FIELD_KEY = /^customfield_[0-9]{1,12}$/;
/** The most issues one bulk change is checked for: each costs a companion computation within Forge's 25 s. */
export const MAX_BULK_ISSUES = 100;
const CONCURRENCY = 4;

interface BulkProblem {
  issueKey: string;
  message: string;
}

const idsOf = (value: unknown): string[] => {
  const v = (value ?? {}) as { id?: unknown; ids?: unknown };
  if (Array.isArray(v.ids)) return v.ids.map(String);
  return v.id !== undefined && v.id !== null ? [String(v.id)] : [];
};

/** `work` on every item, at most CONCURRENCY at a time. */
async function eachBounded<T>(items: T[], work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await work(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}

export function defineBulkEditResolvers(resolver: Resolver, platform: ForgePlatform, companion: CompanionClient) {
  resolver.define('field/bulkApply', (request: Request) =>
    envelope(async () => {
      const payload = (request.payload ?? {}) as Record<string, unknown>;
      const fieldKey = requireString(payload, 'fieldKey');
      if (!FIELD_KEY.test(fieldKey)) throw refuse.badRequest('fieldKey must look like customfield_10050');
      const ids = idsOf(payload.value);
      const accountId = accountIdOf(request);
      if (!accountId) throw refuse.forbidden('A bulk change needs a signed-in user');
      // The selected issues come from Forge's context, never from the payload.
      const selected = ((request.context.extension ?? {}) as { issues?: Array<{ key?: unknown }> }).issues ?? [];
      const keys = [...new Set(selected.map((i) => (typeof i.key === 'string' ? i.key : '')).filter(Boolean))];
      if (keys.length === 0) throw refuse.badRequest('No work items are selected');
      if (keys.length > MAX_BULK_ISSUES) throw refuse.badRequest(`Connected fields can be bulk edited on up to ${MAX_BULK_ISSUES} work items at a time`);

      const problems: BulkProblem[] = [];
      const ready: Array<{ issue: IssueLocation; answer: ResolveResponse }> = [];
      await eachBounded(keys, async (issueKey) => {
        const issue = await platform.jiraAsUser.findIssue(issueKey);
        if (!issue) return void problems.push({ issueKey, message: 'does not exist or you may not see it' });
        // An empty value fits every issue; its dependents are recomputed without it.
        const body = {
          context: { issue: { id: issue.id, key: issue.key, projectId: issue.projectId, issueTypeId: issue.issueTypeId, ...(issue.projectKey ? { projectKey: issue.projectKey } : {}) } },
          ...(ids.length > 0 ? { ids } : {}),
        };
        try {
          if (ids.length === 0) {
            const refreshed = await companion.as(accountId).request<{ fields: ResolveResponse['dependents'] }>('POST', '/v1/fields/refresh', {
              context: { issue: { ...body.context.issue, fields: { [fieldKey]: null } } },
              fields: [fieldKey],
            });
            ready.push({ issue, answer: { field: refreshed.fields[0]!, options: [], dependents: refreshed.fields.filter((f) => f.key !== fieldKey) } });
            return;
          }
          ready.push({ issue, answer: await companion.as(accountId).request<ResolveResponse>('POST', p`/v1/fields/${fieldKey}/resolve`, body) });
        } catch (error) {
          if (!(error instanceof CompanionError)) throw error;
          problems.push({ issueKey, message: error.message });
        }
      });
      if (problems.length > 0) {
        problems.sort((a, b) => a.issueKey.localeCompare(b.issueKey));
        return { applied: false, problems };
      }
      try {
        for (const { issue, answer } of ready) await writeFreshValues(platform, accountId, issue, answer.dependents);
      } catch (error) {
        if (error instanceof WriteRefused) throw refuse.forbidden(error.message);
        const said = jiraRefusal(error);
        if (said) throw new ResolverRefusal(502, 'jira_refused', said);
        throw error;
      }
      return { applied: true, problems: [] as BulkProblem[] };
    }),
  );
}
