// POST /v1/fields/recalculate: after fields changed on an issue, every connected field downstream of
// them (transitively, in dependency order, and no other) with its new options and whether its current
// value is still among them. A field whose value is no longer valid is passed on as empty to the
// fields after it, since the edit UI is about to clear it.
//
// Fields that do not depend on each other are computed at the same time: each field waits for its
// own parents only, so a request's time is its longest chain, not the sum of its fields (all of them
// share the request's one deadline, CallerContext.deadline).
import type { Companion } from '../companion.js';
import type { RequestContext } from '../contract/common.js';
import type { RecalculateResponse } from '../contract/field.js';
import type { CallerContext } from '../connectors/query-pipeline-types.js';
import { fieldRepository } from './field-repository.js';
import { downstreamInOrder } from './field-dependencies.js';
import { connectedOptions } from './connected-options.js';
import { valueStillValid } from './field-values.js';

type Recalculated = RecalculateResponse['fields'][number];

export async function recalculate(
  companion: Companion,
  tenantId: string,
  caller: CallerContext,
  context: RequestContext | undefined,
  changed: string[],
): Promise<RecalculateResponse> {
  const repo = fieldRepository(companion.db);
  const graph = await repo.graph(tenantId);
  // `changed` names fields by key (`customfield_10050`); a field's id is accepted as well.
  const keyOfId = new Map(graph.map((n) => [n.id, n.key]));
  const changedKeys = changed.map((c) => keyOfId.get(c) ?? c);
  const order = downstreamInOrder(graph, changedKeys).filter((n) => n.kind === 'field');
  if (order.length === 0) return { fields: [] };

  const rows = new Map((await repo.listAll(tenantId)).map((r) => [r.id, r]));
  const recalculated = new Set(order.map((n) => n.key));
  // The values fields are computed from: the request's, then each recalculated field's verdict
  // (an invalid value becomes empty). A field reads only its parents' entries, and those are final
  // by the time it starts.
  const values: Record<string, unknown> = { ...(context?.issue?.fields ?? {}) };
  const results = new Map<string, Recalculated>();
  const finished = new Map<string, Promise<void>>();

  async function compute(fieldId: string): Promise<void> {
    const field = rows.get(fieldId);
    if (!field) return;
    const issue = { ...(context?.issue ?? {}), fields: { ...values } };
    const { options } = await connectedOptions(companion, { tenantId, caller, config: field, context: { ...context, issue }, cache: true });
    const valueValid = valueStillValid(field.storage, values[field.key], options);
    if (!valueValid) values[field.key] = null;
    results.set(field.key, { id: field.id, key: field.key, options, valueValid });
  }

  // `order` is topological, so every parent's promise exists when its child is chained to it.
  for (const node of order) {
    const parents = [...new Set(node.dependsOn)].filter((k) => k !== node.key && recalculated.has(k));
    finished.set(node.key, Promise.all(parents.map((k) => finished.get(k))).then(() => compute(node.id)));
  }
  await Promise.all(finished.values());
  return { fields: order.flatMap((n) => results.get(n.key) ?? []) };
}
