// POST /v1/fields/recalculate: after fields changed on an issue, every connected field downstream of
// them (transitively, in dependency order, and no other) with its new options and whether its current
// value is still among them. A field whose value is no longer valid is passed on as empty to the
// fields after it, since the edit UI is about to clear it.
import type { Companion } from '../companion.js';
import type { RequestContext } from '../contract/common.js';
import type { RecalculateResponse } from '../contract/field.js';
import type { CallerContext } from '../connectors/query-pipeline-types.js';
import { fieldRepository } from './field-repository.js';
import { downstreamInOrder } from './field-dependencies.js';
import { connectedOptions } from './connected-options.js';
import { valueStillValid } from './field-values.js';

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
  const values: Record<string, unknown> = { ...(context?.issue?.fields ?? {}) };
  const out: RecalculateResponse['fields'] = [];
  for (const node of order) {
    const field = rows.get(node.id);
    if (!field) continue;
    const issue = { ...(context?.issue ?? {}), fields: { ...values } };
    const { options } = await connectedOptions(companion, { tenantId, caller, config: field, context: { ...context, issue }, cache: true });
    const valueValid = valueStillValid(field.storage, values[field.key], options);
    if (!valueValid) values[field.key] = null;
    out.push({ id: field.id, key: field.key, options, valueValid });
  }
  return { fields: out };
}
