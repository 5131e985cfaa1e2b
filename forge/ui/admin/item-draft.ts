// The connected item form's state and its translation to the companion's item body, plus where the
// companion's `error.details` belong: each JSON pointer (`/query`, `/attributes/owner`) becomes the
// input it concerns, so the message shows beside it.
import type { ErrorDetail, Item } from '../../../companion/contract/index';

export interface AttributeRow {
  name: string;
  template: string;
}

export interface ItemDraft {
  id?: string;
  version?: number;
  key: string;
  name: string;
  datasourceId: string;
  editor: string;
  query: string;
  resultPath: string;
  idTemplate: string;
  displayTemplate: string;
  /** Empty: the datasource's. */
  cacheTtlSeconds: string;
  /** Empty: the companion's default (1,000). */
  maxOptions: string;
  attributes: AttributeRow[];
}

/** A connected item as the companion answers it (contract v1). */
export type StoredItem = Item;

/** Input name → message; `attributes.3` for the attribute row 3 (its name and template together). */
export type FieldErrors = Record<string, string>;

export const ITEM_INPUTS = ['key', 'name', 'datasourceId', 'editor', 'query', 'resultPath', 'idTemplate', 'displayTemplate', 'cacheTtlSeconds', 'maxOptions'] as const;

/** The next free `connected_item_N` key. */
export function nextItemKey(items: Array<{ key: string }>): string {
  const used = items.map((i) => Number(/^connected_item_([0-9]+)$/.exec(i.key)?.[1] ?? 0));
  return `connected_item_${Math.max(0, ...used) + 1}`;
}

export const emptyItem = (key: string): ItemDraft => ({
  key,
  name: '',
  datasourceId: '',
  editor: 'select',
  query: '',
  resultPath: '',
  idTemplate: '',
  displayTemplate: '',
  cacheTtlSeconds: '',
  maxOptions: '',
  attributes: [],
});

export const draftOfItem = (item: StoredItem): ItemDraft => ({
  id: item.id,
  version: item.version,
  key: item.key,
  name: item.name,
  datasourceId: item.datasourceId,
  editor: item.editor,
  query: item.query,
  resultPath: item.resultPath ?? '',
  idTemplate: item.idTemplate ?? '',
  displayTemplate: item.displayTemplate ?? '',
  cacheTtlSeconds: item.cacheTtlSeconds === null ? '' : String(item.cacheTtlSeconds),
  maxOptions: String(item.maxOptions),
  attributes: Object.entries(item.attributes ?? {}).map(([name, template]) => ({ name, template })),
});

const orNull = (s: string) => (s.trim() === '' ? null : s);
const wholeNumber = (s: string) => (/^[0-9]+$/.test(s.trim()) ? Number(s.trim()) : undefined);

/**
 * The body the companion takes, or the form's own findings (what it can tell before asking: numbers
 * that are not numbers, attributes without a name or named twice). The companion checks the rest.
 */
export function itemBodyOf(d: ItemDraft): { body: Record<string, unknown> } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const ttl = d.cacheTtlSeconds.trim() === '' ? null : wholeNumber(d.cacheTtlSeconds);
  if (ttl === undefined) errors.cacheTtlSeconds = 'A whole number of seconds, or empty for the datasource\'s';
  const maxOptions = d.maxOptions.trim() === '' ? undefined : wholeNumber(d.maxOptions);
  if (d.maxOptions.trim() !== '' && maxOptions === undefined) errors.maxOptions = 'A whole number, or empty for 1,000';
  const attributes: Record<string, string> = {};
  d.attributes.forEach((a, i) => {
    const name = a.name.trim();
    if (!name && !a.template.trim()) return;
    if (!name) errors[`attributes.${i}`] = 'Give the attribute a name';
    else if (name in attributes) errors[`attributes.${i}`] = `${name} is already an attribute of this item`;
    else attributes[name] = a.template;
  });
  if (Object.keys(errors).length > 0) return { errors };
  return {
    body: {
      ...(d.version !== undefined ? { version: d.version } : {}),
      key: d.key.trim(),
      name: d.name,
      datasourceId: d.datasourceId,
      editor: d.editor,
      query: d.query,
      resultPath: orNull(d.resultPath),
      idTemplate: orNull(d.idTemplate),
      displayTemplate: orNull(d.displayTemplate),
      cacheTtlSeconds: ttl ?? null,
      ...(maxOptions !== undefined ? { maxOptions } : {}),
      attributes,
    },
  };
}

const unescapePointer = (part: string) => part.replace(/~1/g, '/').replace(/~0/g, '~');

/**
 * The companion's details placed on the form's inputs; what has no input (a version conflict, the
 * body as a whole) is returned apart for the banner.
 */
export function placeItemDetails(details: ErrorDetail[], d: ItemDraft): { errors: FieldErrors; unplaced: string[] } {
  const errors: FieldErrors = {};
  const unplaced: string[] = [];
  for (const { path, message } of details) {
    const [first, second] = path.split('/').slice(1).map(unescapePointer);
    if (first === 'attributes' && second !== undefined) {
      const row = d.attributes.findIndex((a) => a.name.trim() === second);
      if (row >= 0) errors[`attributes.${row}`] = message;
      else unplaced.push(`attributes: ${second} ${message}`);
    } else if (first !== undefined && (ITEM_INPUTS as readonly string[]).includes(first) && second === undefined) {
      errors[first] = message;
    } else if (first === 'attributes') {
      errors['attributes'] = message;
    } else {
      unplaced.push(`${path || 'the item'}: ${message}`);
    }
  }
  return { errors, unplaced };
}
