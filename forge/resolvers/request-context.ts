// The user and issue a call is made for, taken from the Forge context (which the platform fills from
// its own context token, so a caller cannot claim another user or issue; the payload is the UI's and
// is never read for either), plus the values the form holds right now.
import type { Request } from '@forge/resolver';
import type { RequestContext } from '../../companion/contract/index';

interface ExtensionContext {
  type?: string;
  issue?: { id?: string | number; key?: string; typeId?: string | number };
  project?: { id?: string | number; key?: string };
  /** jiraServiceManagement:portalRequestDetail: the request on the portal, no issue or project. */
  portal?: { id?: string | number };
  request?: { key?: string; typeId?: string | number };
  /** issue-bulk-edit: the selected issues and their projects, and no single issue or project. */
  issues?: Array<{ id?: string | number; key?: string; typeId?: string | number }>;
  projects?: Array<{ id?: string | number; key?: string }>;
}

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
const extensionOf = (request: Request) => (request.context.extension ?? {}) as ExtensionContext;

/** Forge's `context.accountId`: the user the invocation runs for. */
export const accountIdOf = (request: Request) => str(request.context.accountId);

export function issueIdOf(request: Request): string | undefined {
  return str(extensionOf(request).issue?.id);
}

/** The portal request a `portalRequestDetail` module shows: its key (the issue's) and request type. */
export function portalRequestOf(request: Request): { key: string; requestTypeId: string | undefined } | undefined {
  const { request: portalRequest, portal } = extensionOf(request);
  const key = str(portalRequest?.key);
  return key && portal ? { key, requestTypeId: str(portalRequest?.typeId) } : undefined;
}

/** The issue part of the companion's request context (the companion client adds the user). */
export function requestContextOf(request: Request, fields: unknown): RequestContext {
  const extension = bulkAsFirstIssue(extensionOf(request));
  const issue = {
    id: str(extension.issue?.id),
    key: str(extension.issue?.key),
    projectId: str(extension.project?.id),
    projectKey: str(extension.project?.key),
    issueTypeId: str(extension.issue?.typeId),
    fields: isRecord(fields) ? fields : undefined,
  };
  return { issue: Object.fromEntries(Object.entries(issue).filter(([, v]) => v !== undefined)) };
}

/**
 * A bulk edit's options are the first selected issue's (a dependent field's options hang on its
 * parents, which differ per issue); `field/bulkApply` then checks the value against every issue.
 */
function bulkAsFirstIssue(extension: ExtensionContext): ExtensionContext {
  if (extension.issue || !extension.issues?.length) return extension;
  const [issue] = extension.issues;
  const project = extension.projects?.length === 1 ? extension.projects[0] : undefined;
  return { ...extension, issue, ...(project ? { project } : {}) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
