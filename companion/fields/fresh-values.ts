// What a connected field's value should be on an issue now, from its datasource: the value picked
// from the options (Automation's "Set connected field"), or the value it holds refreshed
// ("Refresh connected fields", the read-only types' value function). Shapes are Jira's (DESIGN.md):
// object `{id, value}` / `{ids, values}`, snapshot `"value"` / `["value"]`.
//
// A read-only field's value is its first option (as the read-only editor shows it). Any other field
// keeps what it holds when that is still among its options, with the display text the datasource
// gives now; a value no longer among them becomes empty, as the edit UI would clear it.
import type { Option } from '../contract/common.js';
import type { FreshValue } from '../contract/field-automation.js';
import type { FieldRow } from './field-repository.js';
import { valueStillValid } from './field-values.js';

type Shaped = Pick<FieldRow, 'editor' | 'storage'>;

const isMulti = (f: Shaped) => f.editor === 'multiselect';

/** The chosen options in the shape the field stores; null when none is chosen. */
export function storedShape(field: Shaped, chosen: Option[]): unknown {
  if (chosen.length === 0) return null;
  if (field.storage === 'object') {
    return isMulti(field) ? { ids: chosen.map((o) => o.id), values: chosen.map((o) => o.value) } : { id: chosen[0]!.id, value: chosen[0]!.value };
  }
  return isMulti(field) ? chosen.map((o) => o.value) : chosen[0]!.value;
}

/** The options a stored value names: by id for object fields, by display text for snapshots. */
function chosenOptions(field: Shaped, value: unknown, options: Option[]): Option[] {
  if (value === null || value === undefined) return [];
  const v = value as { id?: unknown; ids?: unknown; value?: unknown };
  if (field.storage === 'object') {
    const ids = Array.isArray(v.ids) ? v.ids.map(String) : v.id !== undefined && v.id !== null ? [String(v.id)] : [];
    return ids.flatMap((id) => options.find((o) => o.id === id) ?? []);
  }
  const shown = Array.isArray(value) ? value.map(String) : [String(value)];
  return shown.flatMap((s) => options.find((o) => o.value === s) ?? []);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export function freshValue(field: FieldRow, current: unknown, options: Option[]): FreshValue {
  let value: unknown;
  if (field.editor === 'readonly') value = storedShape(field, options.slice(0, 1));
  else value = valueStillValid(field.storage, current, options) ? storedShape(field, chosenOptions(field, current, options)) : null;
  return { id: field.id, key: field.key, editor: field.editor as FreshValue['editor'], storage: field.storage as FreshValue['storage'], value, changed: !same(value, current) };
}

export interface PickProblem {
  path: string;
  message: string;
}

/**
 * The options a pick names, by id (exact) or by display text (exact, else the one option whose text
 * matches ignoring case). Every pick must name exactly one option; problems say which did not.
 */
export function pickOptions(field: Shaped, options: Option[], pick: { ids?: string[]; texts?: string[] }): { chosen: Option[]; problems: PickProblem[] } {
  const problems: PickProblem[] = [];
  const chosen: Option[] = [];
  const wanted = pick.ids ?? pick.texts ?? [];
  const by = pick.ids ? 'ids' : 'texts';
  if (wanted.length > 1 && !isMulti(field)) problems.push({ path: `/${by}`, message: 'The field takes one value' });
  wanted.forEach((w, i) => {
    const path = `/${by}/${i}`;
    if (by === 'ids') {
      const hit = options.find((o) => o.id === w);
      if (hit) chosen.push(hit);
      else problems.push({ path, message: `"${w}" is not the id of an option of this field for this issue` });
      return;
    }
    const exact = options.filter((o) => o.value === w);
    const loose = exact.length > 0 ? exact : options.filter((o) => o.value.toLowerCase() === w.toLowerCase());
    if (loose.length === 1) chosen.push(loose[0]!);
    else if (loose.length === 0) problems.push({ path, message: `"${w}" is not among the options of this field for this issue` });
    else problems.push({ path, message: `"${w}" matches ${loose.length} options of this field; pick it by id` });
  });
  return { chosen, problems };
}
