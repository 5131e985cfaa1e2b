// The shapes a connected field's value has in Jira (DESIGN.md): snapshot fields store the display
// string (multi: an array of them); object fields store `{id, value}` (multi: `{ids, values}`).
// Whether a value is still among a field's options is decided on the part each shape stores.
import type { Option } from '../contract/common.js';

const isEmpty = (v: unknown) =>
  v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);

const asStrings = (v: unknown): string[] | null => {
  if (typeof v === 'string' || typeof v === 'number') return [String(v)];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.map(String);
  return null;
};

/** The ids an object value holds (`{id}`, `{ids}`, or a list of `{id}`), or null for another shape. */
function objectIds(v: unknown): string[] | null {
  if (Array.isArray(v)) {
    const ids = v.map((x) => (x && typeof x === 'object' ? (x as { id?: unknown }).id : undefined));
    return ids.every((id) => typeof id === 'string' || typeof id === 'number') ? ids.map(String) : null;
  }
  if (!v || typeof v !== 'object') return null;
  const o = v as { id?: unknown; ids?: unknown };
  if (o.ids !== undefined) return asStrings(o.ids);
  if (o.id !== undefined && o.id !== null) return [String(o.id)];
  return null;
}

/** An empty value is always valid: there is nothing to clear. */
export function valueStillValid(storage: string, value: unknown, options: Option[]): boolean {
  if (isEmpty(value)) return true;
  if (storage === 'object') {
    const ids = objectIds(value);
    if (!ids) return false;
    const known = new Set(options.map((o) => o.id));
    return ids.every((id) => known.has(id));
  }
  const shown = asStrings(value);
  if (!shown) return false;
  const known = new Set(options.map((o) => o.value));
  return shown.every((s) => known.has(s));
}
