// The value shapes Jira stores for a connected field (DESIGN.md): snapshot fields keep the display
// string (multi: the list of strings), object fields keep id and value (`{"id":"42","value":"Acme
// Ltd"}`, multi: `{"ids":[…],"values":[…]}`). The editors work with options, so this converts.
import type { Option } from '../../companion/contract/index';
import type { StorageKind } from './render-hints-store';

export type ObjectValue = { id: string; value: string };
export type ObjectMultiValue = { ids: string[]; values: string[] };
export type StoredValue = string | string[] | ObjectValue | ObjectMultiValue | null;

export function toStoredValue(storage: StorageKind, multi: boolean, selected: Option[]): StoredValue {
  if (selected.length === 0) return null;
  if (storage === 'snapshot') return multi ? selected.map((o) => o.value) : selected[0]!.value;
  return multi ? { ids: selected.map((o) => o.id), values: selected.map((o) => o.value) } : { id: selected[0]!.id, value: selected[0]!.value };
}

/**
 * The options a stored value stands for. Snapshot values have no id: the option with the same
 * display value is taken when there is one, else the display value doubles as the id.
 */
export function selectedOptions(stored: unknown, known: Option[] = []): Option[] {
  const byValue = (value: string): Option => known.find((o) => o.value === value) ?? { id: value, value };
  if (stored === null || stored === undefined || stored === '') return [];
  if (typeof stored === 'string') return [byValue(stored)];
  if (Array.isArray(stored)) return stored.filter((v): v is string => typeof v === 'string').map(byValue);
  if (typeof stored === 'object') {
    const o = stored as Partial<ObjectValue & ObjectMultiValue>;
    if (Array.isArray(o.ids)) return o.ids.map((id, i) => ({ id: String(id), value: String(o.values?.[i] ?? id) }));
    if (o.id !== undefined) return [{ id: String(o.id), value: String(o.value ?? o.id) }];
  }
  return [];
}

/** What a user sees for a stored value, without asking anyone. */
export function displayText(stored: unknown): string {
  return selectedOptions(stored)
    .map((o) => o.value)
    .join(', ');
}

/** Whether every selected option is still among the options the companion offers now. */
export function isAmong(selected: Option[], options: Option[], storage: StorageKind): boolean {
  return selected.every((s) => options.some((o) => (storage === 'snapshot' ? o.value === s.value : o.id === s.id)));
}
