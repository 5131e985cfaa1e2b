// The Automation actions (manifest `action` + `automation:actionProvider`): "Set connected field" and
// "Refresh connected fields". Automation calls the function with the step's inputs (Forge docs,
// "Action execution": `{payload: {...inputs}}`) for the user of the rule's connection. A step fails
// by returning `{errors: [{message}]}`: the rule stops and its audit log shows the message. Every
// check (the inputs, the issue, the value against the field's options for that issue, the user's
// right to edit) comes before any write, so a failed step has written nothing.
import type { ResolveResponse, RefreshResponse, FreshValue } from '../../companion/contract/index';
import { companionClient, companionPath as p, CompanionError } from '../companion/companion-client';
import type { ForgePlatform, IssueLocation } from '../platform/forge-platform';
import { jiraRefusal, WriteRefused, writeFreshValues } from './connected-writes';

const FIELD_KEY = /^customfield_[0-9]{1,12}$/;
const ISSUE_KEY = /^[A-Z][A-Z0-9_]{0,254}-[0-9]{1,18}$/i;

export interface ActionResult {
  errors?: Array<{ message: string }>;
}

interface ActionContext {
  principal?: { accountId?: string };
  accountId?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** The inputs: the documented `{payload: {...}}`, or the inputs themselves at the top level. */
const inputsOf = (event: unknown): Record<string, unknown> => (isRecord(event) ? (isRecord(event.payload) ? event.payload : event) : {});
const text = (v: unknown) => (typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '');
const fail = (message: string): ActionResult => ({ errors: [{ message }] });

class StepFailed extends Error {}

function companionFailure(error: unknown): string | undefined {
  if (!(error instanceof CompanionError)) return undefined;
  const where = error.details?.map((d) => d.message).join('; ');
  return `${where && !error.message.includes(where) ? `${error.message} (${where})` : error.message}`;
}

async function runStep(work: () => Promise<void>): Promise<ActionResult> {
  try {
    await work();
    return {};
  } catch (error) {
    if (error instanceof StepFailed || error instanceof WriteRefused) return fail(error.message);
    const said = companionFailure(error) ?? jiraRefusal(error);
    if (said) return fail(said);
    throw error;
  }
}

export function buildAutomationActions(platform: ForgePlatform) {
  const companion = companionClient(platform);

  /** The user of the rule's connection, and the issue as that user sees it. */
  async function start(event: unknown, context: ActionContext | undefined): Promise<{ inputs: Record<string, unknown>; accountId: string; issue: IssueLocation }> {
    const inputs = inputsOf(event);
    const accountId = context?.principal?.accountId ?? context?.accountId;
    if (!accountId) throw new StepFailed('The rule runs for no user (check its connection); nothing was changed');
    const issueKey = text(inputs.issueKey);
    if (!ISSUE_KEY.test(issueKey)) throw new StepFailed(`"${issueKey}" is not a work item key (e.g. {{issue.key}}); nothing was changed`);
    const issue = await platform.jiraAsUser.findIssue(issueKey);
    if (!issue) throw new StepFailed(`Work item ${issueKey} does not exist or the rule's user may not see it; nothing was changed`);
    return { inputs, accountId, issue };
  }

  const contextOf = (issue: IssueLocation) => ({
    issue: { id: issue.id, key: issue.key, projectId: issue.projectId, ...(issue.projectKey ? { projectKey: issue.projectKey } : {}), issueTypeId: issue.issueTypeId },
  });

  const setConnectedField = (event: unknown, context?: ActionContext) =>
    runStep(async () => {
      const { inputs, accountId, issue } = await start(event, context);
      const field = text(inputs.field);
      if (!FIELD_KEY.test(field)) throw new StepFailed(`"${field}" is not a connected field id (customfield_10050); nothing was changed`);
      const value = text(inputs.value);
      if (!value) throw new StepFailed('No value was given; nothing was changed');
      const matchBy = text(inputs.matchBy).toLowerCase();
      if (matchBy !== 'id' && matchBy !== 'text') throw new StepFailed(`Match by must be "id" or "text", not "${matchBy}"; nothing was changed`);
      const answer = await companion.as(accountId).request<ResolveResponse>('POST', p`/v1/fields/${field}/resolve`, {
        context: contextOf(issue),
        ...(matchBy === 'id' ? { ids: [value] } : { texts: [value] }),
      });
      if (answer.field.editor === 'readonly') throw new StepFailed(`${field} is read-only: use "Refresh connected fields"; nothing was changed`);
      await writeFreshValues(platform, accountId, issue, [{ ...answer.field, changed: true }, ...answer.dependents]);
    });

  const refreshConnectedFields = (event: unknown, context?: ActionContext) =>
    runStep(async () => {
      const { inputs, accountId, issue } = await start(event, context);
      const named = text(inputs.fields).split(',').map((f) => f.trim()).filter((f) => f.length > 0);
      const bad = named.find((f) => !FIELD_KEY.test(f));
      if (bad !== undefined) throw new StepFailed(`"${bad}" is not a connected field id (customfield_10050); nothing was changed`);
      const answer = await companion.as(accountId).request<RefreshResponse>('POST', '/v1/fields/refresh', {
        context: contextOf(issue),
        ...(named.length > 0 ? { fields: [...new Set(named)] } : {}),
      });
      const changed: FreshValue[] = answer.fields.filter((f) => f.changed);
      await writeFreshValues(platform, accountId, issue, changed);
    });

  return { setConnectedField, refreshConnectedFields };
}
