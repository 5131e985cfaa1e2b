// The variables a query template sees: `$issue` (the issue context plus connected field values,
// `$issue.project` and `$issue.issueType` as Elements Connect names them), `$currentUser` (its
// accountId from the request; the rest of the profile is added by the caller when the query needs
// it, see current-user-profile.ts) and `$userInput`.
import type { RequestContext } from '../contract/common.js';
import type { TemplateVariables } from '../connectors/query-pipeline-types.js';

/**
 * A stored field value as a template sees it. Object fields (`{id, value}`, multi `{ids, values}`)
 * expose their parts as properties and print as their display value, so `$issue.customfield_1`
 * and `$issue.customfield_1.value` both give "Acme Ltd".
 */
class FieldValue {
  constructor(fields: Record<string, unknown>) {
    Object.assign(this, fields);
  }
  toString(): string {
    const self = this as Record<string, unknown>;
    if (Array.isArray(self.values)) return self.values.join(', ');
    if (self.value !== undefined && self.value !== null) return String(self.value);
    if (self.id !== undefined && self.id !== null) return String(self.id);
    return '';
  }
}

/** A part of the issue context that prints as one of its properties (`$issue.project` → its key). */
class ContextPart {
  constructor(
    parts: Record<string, string>,
    private readonly shown: string,
  ) {
    Object.assign(this, parts);
  }
  toString(): string {
    return (this as unknown as Record<string, string>)[this.shown] ?? '';
  }
}

const defined = (parts: Record<string, string | undefined>) =>
  Object.fromEntries(Object.entries(parts).filter((e): e is [string, string] => e[1] !== undefined));

export function templateValue(value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) return new FieldValue(value as Record<string, unknown>);
  return value;
}

export function buildTemplateVariables(
  context: RequestContext | undefined,
  input: string | undefined,
  values: Record<string, unknown>,
): TemplateVariables {
  const issue: Record<string, unknown> = {};
  const ctx = context?.issue;
  for (const key of ['id', 'key', 'projectId', 'projectKey', 'issueTypeId'] as const) {
    if (ctx?.[key] !== undefined) issue[key] = ctx[key];
  }
  // Elements Connect's `$issue.project.key` / `.id` and `$issue.issueType.id`: what the context has.
  if (ctx?.projectId !== undefined || ctx?.projectKey !== undefined) {
    issue.project = new ContextPart(defined({ id: ctx.projectId, key: ctx.projectKey }), ctx.projectKey !== undefined ? 'key' : 'id');
  }
  if (ctx?.issueTypeId !== undefined) issue.issueType = new ContextPart({ id: ctx.issueTypeId }, 'id');
  for (const [key, value] of Object.entries(ctx?.fields ?? {})) issue[key] = templateValue(value);
  for (const [key, value] of Object.entries(values)) issue[key] = templateValue(value);
  return {
    issue,
    currentUser: { accountId: context?.user?.accountId },
    userInput: input ?? '',
  };
}
