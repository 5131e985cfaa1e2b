// Paging and typed-input filtering of an options list. The cursor is the offset of the next page:
// pages are cut from one cached list, so an offset stays meaningful while the entry lives.
import type { Option } from '../contract/common.js';

const USES_INPUT = /\$!?\{?userInput\b/;

/**
 * A query that uses `$userInput` has already been filtered by the upstream; otherwise the typed text
 * narrows the list here (case-insensitive, on the display value), as an autocomplete expects.
 */
export function filterByInput(options: Option[], query: string, input: string | undefined): Option[] {
  const needle = input?.trim().toLowerCase();
  if (!needle || USES_INPUT.test(query)) return options;
  return options.filter((o) => o.value.toLowerCase().includes(needle));
}

export function pageOf(options: Option[], offset: number, limit: number | undefined): { options: Option[]; nextCursor: string | null } {
  const end = limit === undefined ? options.length : offset + limit;
  const page = offset === 0 && end >= options.length ? options : options.slice(offset, end);
  return { options: page, nextCursor: end < options.length ? String(end) : null };
}
