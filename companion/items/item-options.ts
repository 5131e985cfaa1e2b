// Options of a connected item for one issue, through the shared options cache, and the attributes
// of a chosen option rendered from its row. Rows and options come from the same pipeline run, one
// option per row in order, so an option's row is the row at its index.
import type { Companion } from '../companion.js';
import type { RequestContext } from '../contract/common.js';
import type { ItemValue } from '../contract/item.js';
import type { CallerContext } from '../connectors/query-pipeline-types.js';
import { connectedOptions } from '../fields/connected-options.js';
import type { ConnectedOptionsResult } from '../fields/connected-options-types.js';
import { renderTemplate } from '../templates/render-template.js';
import type { ItemRow } from './item-repository.js';
import { loadItemTemplateValues } from '../connected/stored-item-values.js';

const ITEM_KEY = /^connected_item_[0-9]{1,9}$/;

export async function itemOptions(
  companion: Companion,
  tenantId: string,
  caller: CallerContext,
  item: ItemRow,
  context: RequestContext | undefined,
  input: string | undefined,
  withRows = false,
): Promise<ConnectedOptionsResult> {
  // Other items this query references (`$issue.connected_item_N…`): their values are the
  // companion's own, stored per issue. A value the request carries (the UI's unsaved choice) wins.
  const sent = context?.issue?.fields ?? {};
  const wanted = item.dependsOn.filter((key) => ITEM_KEY.test(key) && !(key in sent));
  const issueId = context?.issue?.id;
  const overrides = issueId && wanted.length > 0 ? await loadItemTemplateValues(companion.db, tenantId, issueId, wanted) : undefined;
  return connectedOptions(companion, { tenantId, caller, config: item, context, input, overrides, cache: true, withRows });
}

/** The chosen options as stored values: id and value from the option, attributes from its row. */
export function chosenValues(item: ItemRow, result: ConnectedOptionsResult, ids: string[]): { values: ItemValue[]; unknown: string[] } {
  const attributes = (item.attributes ?? {}) as Record<string, string>;
  const index = new Map(result.options.map((o, i) => [o.id, i]));
  const values: ItemValue[] = [];
  const unknown: string[] = [];
  for (const id of ids) {
    const at = index.get(id);
    if (at === undefined) {
      unknown.push(id);
      continue;
    }
    const row = result.rows?.[at];
    const rendered: Record<string, string> = {};
    for (const [name, template] of Object.entries(attributes)) rendered[name] = renderTemplate(template, { row }).text.trim();
    values.push({ id, value: result.options[at]!.value, attributes: rendered });
  }
  return { values, unknown };
}
