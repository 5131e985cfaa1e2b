// Compute egress (DESIGN.md): reads the parent field values a computation needs from the tenant's
// Jira, naming only those fields. The values are returned to the caller and kept nowhere here.
import type { Dispatcher } from 'undici';
import { AppError } from '../errors.js';
import { exchange } from './http-exchange.js';
import { jiraAccess } from './jira-auth.js';
import { TENANT_JIRA, upstreamBadBody, upstreamStatus } from './upstream-errors.js';
import type { CallerContext } from './query-pipeline-types.js';

const ISSUE_KEY = /^([0-9]{1,18}|[A-Z][A-Z0-9_]{0,254}-[0-9]{1,18})$/i;
const FIELD_ID = /^[A-Za-z0-9_.-]{1,200}$/;

export async function readIssueFields(
  caller: CallerContext,
  issueIdOrKey: string,
  fieldIds: string[],
  timeoutMs: number,
  // The pipeline's egress-guarded agent: callers go through `app.companion.pipeline.readIssueFields`.
  agent: Dispatcher,
): Promise<Record<string, unknown>> {
  if (fieldIds.length === 0) return {};
  if (!ISSUE_KEY.test(issueIdOrKey)) throw new AppError(400, 'bad_request', 'The issue id or key is malformed');
  const bad = fieldIds.find((f) => !FIELD_ID.test(f));
  if (bad !== undefined) throw new AppError(400, 'bad_request', 'A field id is malformed');
  const what = TENANT_JIRA;
  const { baseUrl, authorization } = jiraAccess(caller, 'Jira');
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/rest/api/3/issue/${encodeURIComponent(issueIdOrKey)}`);
  url.searchParams.set('fields', fieldIds.join(','));
  const answer = await exchange(agent, {
    url,
    method: 'GET',
    headers: { accept: 'application/json', authorization },
    timeoutMs: Math.min(20_000, Math.max(1_000, timeoutMs)),
    datasourceName: what,
    // The parent read and the datasource call after it share the request's one deadline.
    deadline: caller.deadline,
  });
  if (answer.status < 200 || answer.status >= 300) throw upstreamStatus(what, answer.status);
  let json: { fields?: Record<string, unknown> };
  try {
    json = JSON.parse(answer.body.toString('utf8')) as typeof json;
  } catch {
    throw upstreamBadBody(what, 'an issue that is not valid JSON');
  }
  const out: Record<string, unknown> = {};
  for (const id of fieldIds) if (json.fields && id in json.fields) out[id] = json.fields[id];
  return out;
}
