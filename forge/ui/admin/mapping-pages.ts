// Saving an item's mappings a page at a time. The form's rows are compared with what was loaded:
// new or changed rows are `set`, dropped projects `remove`d; the changes go to `mappings/patch` in
// pages whose JSON stays under PAGE_BYTES, because a frontend call may carry at most 500 KB. Pages
// chain: each is sent with the version the previous one answered.
import type { ErrorDetail } from '../../../companion/contract/index';

export interface MappingRow {
  projectId: string;
  issueTypeIds: string[];
  requestTypeIds: string[];
  hidden: boolean;
}

export interface Mapping extends MappingRow {
  itemId: string;
}

export type MappingRef = { itemId: string; projectId: string };

/** Under Forge's 500 KB per frontend invocation, with room for the call's own wrapping. */
export const PAGE_BYTES = 400 * 1024;

export interface Page {
  /** `row`: the form row each entry came from, to place the companion's messages. */
  set: Array<{ row: number; mapping: Mapping }>;
  remove: MappingRef[];
}

const encoder = new TextEncoder();
const bytesOf = (value: unknown) => encoder.encode(JSON.stringify(value)).length;
const same = (a: MappingRow, b: MappingRow) =>
  a.hidden === b.hidden && JSON.stringify([...a.issueTypeIds].sort()) === JSON.stringify([...b.issueTypeIds].sort()) && JSON.stringify([...a.requestTypeIds].sort()) === JSON.stringify([...b.requestTypeIds].sort());

/** What changed between the loaded mappings and the form's rows, or the rows that are wrong. */
export function changesOf(itemId: string, loaded: MappingRow[], rows: MappingRow[]): { set: Page['set']; remove: MappingRef[] } | { errors: Record<number, string> } {
  const errors: Record<number, string> = {};
  const seen = new Map<string, number>();
  rows.forEach((r, i) => {
    if (!r.projectId) errors[i] = 'Choose a project';
    else if (seen.has(r.projectId)) errors[i] = 'This project is mapped in another row already';
    else seen.set(r.projectId, i);
  });
  if (Object.keys(errors).length > 0) return { errors };
  const before = new Map(loaded.map((m) => [m.projectId, m]));
  const set = rows.flatMap((r, row) => {
    const was = before.get(r.projectId);
    return was && same(was, r) ? [] : [{ row, mapping: { itemId, projectId: r.projectId, issueTypeIds: r.issueTypeIds, requestTypeIds: r.requestTypeIds, hidden: r.hidden } }];
  });
  const remove = loaded.filter((m) => !seen.has(m.projectId)).map((m) => ({ itemId, projectId: m.projectId }));
  return { set, remove };
}

/** Removals first (they make room under the document's 5,000), then sets, packed by size. */
export function pagesOf(changes: { set: Page['set']; remove: MappingRef[] }, budget = PAGE_BYTES): Page[] {
  const pages: Page[] = [];
  let page: Page = { set: [], remove: [] };
  let size = bytesOf({ version: 2_147_483_647, set: [], remove: [] });
  const start = size;
  const add = (bytes: number, put: (p: Page) => void) => {
    if (size + bytes > budget && (page.set.length > 0 || page.remove.length > 0)) {
      pages.push(page);
      page = { set: [], remove: [] };
      size = start;
    }
    put(page);
    size += bytes;
  };
  for (const ref of changes.remove) add(bytesOf(ref) + 1, (p) => p.remove.push(ref));
  for (const entry of changes.set) add(bytesOf(entry.mapping) + 1, (p) => p.set.push(entry));
  if (page.set.length > 0 || page.remove.length > 0) pages.push(page);
  return pages;
}

export type PatchCall = (payload: { version: number; set: Mapping[]; remove: MappingRef[] }) => Promise<{ version: number }>;

export class PageRefused extends Error {
  override name = 'PageRefused';
  constructor(
    readonly saved: number,
    readonly of: number,
    override readonly cause: unknown,
    /** The refused page's details placed on the form's rows. */
    readonly rowErrors: Record<number, string>,
  ) {
    super(cause instanceof Error ? cause.message : 'A page of mappings was refused');
  }
}

/** Sends the pages in order; the version after the last one, or PageRefused naming how far it got. */
export async function savePages(patch: PatchCall, version: number, pages: Page[], detailsOf: (e: unknown) => ErrorDetail[]): Promise<number> {
  let current = version;
  for (const [index, page] of pages.entries()) {
    try {
      current = (await patch({ version: current, set: page.set.map((s) => s.mapping), remove: page.remove })).version;
    } catch (error) {
      const rowErrors: Record<number, string> = {};
      for (const d of detailsOf(error)) {
        const at = /^\/set\/([0-9]+)/.exec(d.path);
        const entry = at ? page.set[Number(at[1])] : undefined;
        if (entry) rowErrors[entry.row] = d.message;
      }
      throw new PageRefused(index, pages.length, error, rowErrors);
    }
  }
  return current;
}
