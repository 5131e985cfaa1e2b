// Writing recomputed connected field values to one issue, with the token each write calls for: the
// fields a person could edit go through Jira's Edit issue API as the acting user (Jira applies their
// permissions and screens); read-only configurations, whose value is the app's computation and not a
// person's pick (and which are seldom on an edit screen), through the app field value API as the
// app, as the value function stores them, and only after Jira confirms the acting user may edit the
// issue, so the app's rights never reach further than the user's. Every check comes before the first write.
import type { FreshValue } from '../../companion/contract/index';
import { JiraRequestError, type ForgePlatform, type IssueLocation } from '../platform/forge-platform';

export class WriteRefused extends Error {
  override name = 'WriteRefused';
}

/** The keys written, in order; throws WriteRefused (nothing written) or JiraRequestError. */
export async function writeFreshValues(platform: ForgePlatform, accountId: string, issue: IssueLocation, values: FreshValue[]): Promise<string[]> {
  const changed = values.filter((v) => v.changed);
  const asUser = changed.filter((v) => v.editor !== 'readonly');
  const asApp = changed.filter((v) => v.editor === 'readonly');
  if (asApp.length > 0 && !(await platform.canEditIssue(accountId, issue.id))) {
    throw new WriteRefused(`You may not edit ${issue.key}, so its read-only connected fields were not changed; nothing was written`);
  }
  if (asUser.length > 0) await platform.jiraAsUser.editIssue(issue.key, Object.fromEntries(asUser.map((v) => [v.key, v.value])));
  for (const v of asApp) await platform.setAppFieldValue(v.key, [issue.id], v.value);
  return [...asUser, ...asApp].map((v) => v.key);
}

/** Jira's own words when it refused a write, for the rule's audit log. */
export const jiraRefusal = (error: unknown) =>
  error instanceof JiraRequestError ? `Jira refused the change (${error.status}): ${error.message}` : undefined;
