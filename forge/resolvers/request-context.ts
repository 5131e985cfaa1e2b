// The issue and user an options request is computed for, taken from the Forge context (which the
// platform fills, so a caller cannot claim another issue) plus the values the form holds right now.
import type { Request } from '@forge/resolver';
import type { RequestContext } from '../../companion/contract/index';

interface ExtensionContext {
  issue?: { id?: string | number; key?: string; typeId?: string | number };
  project?: { id?: string | number; key?: string };
}

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);

export function issueIdOf(request: Request): string | undefined {
  return str((request.context.extension as ExtensionContext | undefined)?.issue?.id);
}

export function requestContextOf(request: Request, fields: unknown): RequestContext {
  const extension = (request.context.extension ?? {}) as ExtensionContext;
  const issue = {
    id: str(extension.issue?.id),
    key: str(extension.issue?.key),
    projectId: str(extension.project?.id),
    projectKey: str(extension.project?.key),
    issueTypeId: str(extension.issue?.typeId),
    fields: isRecord(fields) ? fields : undefined,
  };
  const accountId = str(request.context.accountId);
  return {
    issue: Object.fromEntries(Object.entries(issue).filter(([, v]) => v !== undefined)),
    ...(accountId ? { user: { accountId } } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
