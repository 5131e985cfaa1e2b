// A list kept in Forge storage under one key, whatever its size: Forge's Key-Value Store takes at
// most 240 KiB per value (keys up to 500 characters), so a list that serialises larger is split into
// pages of at most PAGE_BYTES. The head key holds either the list itself or where its pages are;
// pages of a new write go under a new generation and the head moves last, so a reader sees the old
// pages or the new ones, never a mix. Sizes are measured on JSON.stringify, as the store serialises.
import type { KeyValueStore } from '../platform/forge-platform';

/** Forge's documented limit for one value. */
export const KVS_VALUE_LIMIT_BYTES = 240 * 1024;
export const KVS_KEY_LIMIT = 500;
/** Under the limit with room for the page's own wrapping. */
export const PAGE_BYTES = 200 * 1024;

interface Head<T> {
  list?: T[];
  pages?: number;
  generation?: string;
}

const encoder = new TextEncoder();
export const bytesOf = (value: unknown) => encoder.encode(JSON.stringify(value)).length;

/** Greedy pages of at most PAGE_BYTES each (as `{"list":[…]}`); a single entry over it is refused. */
export function paginate<T>(list: T[]): T[][] {
  const pages: T[][] = [];
  let page: T[] = [];
  let size = bytesOf({ list: [] });
  for (const entry of list) {
    const entrySize = bytesOf(entry) + 1;
    if (entrySize + bytesOf({ list: [] }) > PAGE_BYTES) throw new Error('One entry is larger than a Forge storage value may be');
    if (page.length > 0 && size + entrySize > PAGE_BYTES) {
      pages.push(page);
      page = [];
      size = bytesOf({ list: [] });
    }
    page.push(entry);
    size += entrySize;
  }
  if (page.length > 0) pages.push(page);
  return pages;
}

export function pagedList<T>(store: KeyValueStore, key: string) {
  const pageKey = (generation: string, index: number) => `${key}:${generation}:${index}`;
  const dropPages = async (head: Head<T> | undefined) => {
    if (!head?.generation || !head.pages) return;
    await Promise.all(Array.from({ length: head.pages }, (_, i) => store.delete(pageKey(head.generation!, i))));
  };

  return {
    async read(): Promise<T[] | undefined> {
      const head = await store.get<Head<T>>(key);
      if (!head) return undefined;
      if (head.list) return head.list;
      const pages = await Promise.all(Array.from({ length: head.pages ?? 0 }, (_, i) => store.get<{ list: T[] }>(pageKey(head.generation!, i))));
      return pages.flatMap((p) => p?.list ?? []);
    },

    async write(list: T[]): Promise<void> {
      const old = await store.get<Head<T>>(key);
      const pages = paginate(list);
      if (pages.length <= 1) {
        await store.set(key, { list: pages[0] ?? [] });
      } else {
        const generation = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
        // Pages one after another: a burst of parallel writes of ~200 KB each is what the store's
        // per-minute write allowance punishes first.
        for (const [i, page] of pages.entries()) await store.set(pageKey(generation, i), { list: page });
        await store.set(key, { pages: pages.length, generation });
      }
      await dropPages(old);
    },

    async remove(): Promise<void> {
      const old = await store.get<Head<T>>(key);
      await store.delete(key);
      await dropPages(old);
    },
  };
}
