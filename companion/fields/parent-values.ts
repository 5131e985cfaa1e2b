// The values of the fields a query references, beyond those the request already carries
// (context.issue.fields): the caller's overrides win, and parents still missing are read from the
// tenant's Jira when the issue is named (compute egress, DESIGN.md). What is read is used for this
// one computation and kept nowhere.
import type { Companion } from '../companion.js';
import type { ConnectedOptionsArgs } from './connected-options-types.js';
import { extractReferences } from '../templates/template-references.js';
import { fieldSnapshots } from './field-snapshots.js';
import { loadItemTemplateValues } from '../connected/stored-item-values.js';

const references = new Map<string, string[]>();
const MAX_REMEMBERED = 2_000;

/** The keys a query references, remembered per query text: the hot path must not re-walk templates. */
export function queryReferences(query: string): string[] {
  let keys = references.get(query);
  if (!keys) {
    keys = extractReferences(query);
    if (references.size >= MAX_REMEMBERED) references.clear();
    references.set(query, keys);
  }
  return keys;
}

/**
 * Narrows a value read from Jira to what the parent's storage type keeps (seed: snapshot fields give
 * the value; object fields the id and the value), so nothing else of the issue reaches a template.
 */
function narrow(storage: string | undefined, value: unknown): unknown {
  if (storage === undefined || value === null || value === undefined) return value;
  if (storage === 'object' && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    return 'ids' in v ? { ids: v.ids, values: v.values } : { id: v.id, value: v.value };
  }
  return value;
}

type Args = Pick<ConnectedOptionsArgs, 'config' | 'context' | 'overrides' | 'caller' | 'tenantId'>;

/** The values the request gives (overrides win), and the references that must be read to fill the rest. */
function plan(args: Args) {
  const values: Record<string, unknown> = { ...(args.overrides ?? {}) };
  const issue = args.context?.issue;
  const sent = issue?.fields ?? {};
  const unknown = (k: string) => !(k in values) && !(k in sent);
  // Connected items' values are the companion's own (stored per issue id): read from the database.
  const items = issue?.id ? queryReferences(args.config.query).filter((k) => k.startsWith('connected_item_') && unknown(k)) : [];
  // Only Jira custom fields live in Jira. Without Jira's address or a Forge token to call it with,
  // the parents stay empty rather than failing the whole request.
  const issueRef = issue?.id ?? issue?.key;
  const { apiBaseUrl, forgeTokens } = args.caller;
  const canReadJira = !!issueRef && !!apiBaseUrl && !!(forgeTokens.user ?? forgeTokens.system);
  const missing = canReadJira ? queryReferences(args.config.query).filter((k) => k.startsWith('customfield_') && unknown(k)) : [];
  return { values, items, missing, issueId: issue?.id, issueRef };
}

/** The values when nothing has to be read for them (none missing), else undefined. */
export function parentValuesGiven(args: Args): Record<string, unknown> | undefined {
  const { values, items, missing } = plan(args);
  return items.length === 0 && missing.length === 0 ? values : undefined;
}

export async function parentValues(companion: Companion, args: Args, timeoutMs: number): Promise<Record<string, unknown>> {
  const { values, items, missing, issueId, issueRef } = plan(args);
  if (items.length > 0) Object.assign(values, await loadItemTemplateValues(companion.db, args.tenantId, issueId!, items));
  if (missing.length === 0) return values;
  const read = await companion.pipeline.readIssueFields(args.caller, issueRef!, missing, timeoutMs);
  const fields = fieldSnapshots(companion);
  for (const key of missing) {
    if (!(key in read)) continue;
    const parent = await fields.get(args.tenantId, key, args.caller.deadline.startedAt);
    values[key] = narrow(parent?.storage, read[key]);
  }
  return values;
}
