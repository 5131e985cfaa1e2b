// Connected item values as stored, and as other fields' and items' queries see them:
// `$issue.connected_item_N` with `.id`, `.value`, `.ids`, `.values` and each attribute by name. Single
// values give strings; an item with several values gives, per attribute, the list in the same order
// as `.values`. Here, below both fields/ and items/, so that each reads them downward.
import type { DbTx } from '../db/prisma.js';
import type { ItemValue } from '../contract/item.js';

/** The stored JSON as values; anything malformed is dropped rather than trusted. */
export function readStoredValues(json: unknown): ItemValue[] {
  if (!Array.isArray(json)) return [];
  return json
    .filter((v): v is Record<string, unknown> => !!v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string')
    .map((v) => ({
      id: v.id as string,
      value: typeof v.value === 'string' ? v.value : '',
      attributes: v.attributes && typeof v.attributes === 'object' ? (v.attributes as Record<string, string>) : {},
    }));
}

const ITEM_KEY = /^connected_item_[0-9]{1,9}$/;

export function templateValueOf(values: ReturnType<typeof readStoredValues>): Record<string, unknown> {
  const attributeNames = [...new Set(values.flatMap((v) => Object.keys(v.attributes ?? {})))];
  const single = values.length === 1;
  const out: Record<string, unknown> = {};
  for (const name of attributeNames) {
    const each = values.map((v) => v.attributes?.[name] ?? '');
    out[name] = single ? each[0] : each;
  }
  // The id/value parts are set last: attribute names never shadow them (refused on save anyway).
  return { ...out, id: values[0]?.id ?? null, value: values[0]?.value ?? null, ids: values.map((v) => v.id), values: values.map((v) => v.value) };
}

/** Per item key with a stored value on the issue: its template value. Keys without a value are absent. */
export async function loadItemTemplateValues(db: DbTx, tenantId: string, issueId: string, itemKeys: string[]): Promise<Record<string, unknown>> {
  const keys = [...new Set(itemKeys.filter((k) => ITEM_KEY.test(k)))];
  if (keys.length === 0 || !issueId) return {};
  const rows = await db.itemValue.findMany({
    where: { tenantId, issueId, deletedAt: null, item: { tenantId, key: { in: keys }, deletedAt: null } },
    select: { values: true, item: { select: { key: true } } },
  });
  const out: Record<string, unknown> = {};
  for (const row of rows) {
    const values = readStoredValues(row.values);
    if (values.length > 0) out[row.item.key] = templateValueOf(values);
  }
  return out;
}
