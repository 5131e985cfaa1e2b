// An issue's connected fields recomputed from their datasources, in dependency order: each field's
// options are computed with the values its parents have *after* their own refresh. Used by
// Automation ("Refresh connected fields", and the dependents of "Set connected field").
//
// A field whose current value is unknown (not sent, and not readable from Jira) is left out rather
// than guessed: a refresh must never empty a value it could not see. Every field shares the
// request's one deadline (CallerContext.deadline) through connectedOptions.
import type { Companion } from '../companion.js';
import type { RequestContext } from '../contract/common.js';
import type { FreshValue } from '../contract/field-automation.js';
import type { CallerContext } from '../connectors/query-pipeline-types.js';
import { fieldRepository, type GraphNode } from './field-repository.js';
import { downstreamInOrder } from './field-dependencies.js';
import { connectedOptions } from './connected-options.js';
import { freshValue } from './fresh-values.js';

/** The fields among `keys`, parents before children (Kahn's algorithm on that subgraph). */
function inDependencyOrder(nodes: GraphNode[], keys: Set<string>): GraphNode[] {
  const chosen = nodes.filter((n) => n.kind === 'field' && keys.has(n.key));
  const waiting = new Map(chosen.map((n) => [n.key, new Set(n.dependsOn.filter((d) => d !== n.key && keys.has(d)))]));
  const ordered: GraphNode[] = [];
  while (waiting.size > 0) {
    const ready = [...waiting].filter(([, deps]) => deps.size === 0).map(([k]) => k).sort();
    if (ready.length === 0) break; // cannot happen: cycles are refused when a field is saved
    for (const k of ready) {
      waiting.delete(k);
      ordered.push(chosen.find((n) => n.key === k)!);
      for (const deps of waiting.values()) deps.delete(k);
    }
  }
  return ordered;
}

export interface RefreshScope {
  /** These fields and everything downstream of them; absent: every connected field of the tenant. */
  fields?: string[] | undefined;
  /** Only what is downstream of these (the fields themselves already have their new value in the context). */
  downstreamOf?: string[];
}

export async function refreshFields(companion: Companion, tenantId: string, caller: CallerContext, context: RequestContext | undefined, scope: RefreshScope): Promise<FreshValue[]> {
  const repo = fieldRepository(companion.db);
  const graph = await repo.graph(tenantId);
  let keys: Set<string>;
  if (scope.downstreamOf) keys = new Set(downstreamInOrder(graph, scope.downstreamOf).map((n) => n.key));
  else if (scope.fields) keys = new Set([...scope.fields, ...downstreamInOrder(graph, scope.fields).map((n) => n.key)]);
  else keys = new Set(graph.filter((n) => n.kind === 'field').map((n) => n.key));
  const order = inDependencyOrder(graph, keys);
  if (order.length === 0) return [];

  const rows = new Map((await repo.listAll(tenantId)).map((r) => [r.key, r]));
  const values: Record<string, unknown> = { ...(context?.issue?.fields ?? {}) };
  const missing = order.map((n) => n.key).filter((k) => !(k in values));
  const issueRef = context?.issue?.id ?? context?.issue?.key;
  if (missing.length > 0 && issueRef && caller.apiBaseUrl && (caller.forgeTokens.user ?? caller.forgeTokens.system)) {
    Object.assign(values, await companion.pipeline.readIssueFields(caller, issueRef, missing, caller.deadline.timeoutFor(10_000)));
  }

  const fresh: FreshValue[] = [];
  for (const node of order) {
    const field = rows.get(node.key);
    if (!field || !(node.key in values || field.editor === 'readonly')) continue;
    const issue = { ...(context?.issue ?? {}), fields: { ...values } };
    const { options } = await connectedOptions(companion, { tenantId, caller, config: field, context: { ...context, issue }, cache: true });
    const known = node.key in values;
    const next = freshValue(field, known ? values[node.key] : null, options);
    // A read-only value nobody could read is written as computed: it may differ from what Jira holds.
    if (!known) next.changed = true;
    values[node.key] = next.value;
    fresh.push(next);
  }
  return fresh;
}
