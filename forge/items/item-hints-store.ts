// Which connected items the issue panel shows where: the items' names and the mapping document
// (ids only), kept in Forge storage by the admin resolvers whenever either is read or saved. The
// panel needs them for every issue view, and the companion keeps the mappings on its admin routes.
import type { KeyValueStore } from '../platform/forge-platform';

export interface ItemHint {
  id: string;
  key: string;
  name: string;
  editor: string;
}

export interface MappingHint {
  itemId: string;
  projectId: string;
  issueTypeIds: string[];
  requestTypeIds: string[];
  hidden: boolean;
}

export interface ItemHints {
  items: ItemHint[];
  mappings: MappingHint[];
}

const KEY = 'item-hints';

export function itemHintsStore(store: KeyValueStore) {
  const read = async (): Promise<ItemHints> => (await store.get<ItemHints>(KEY)) ?? { items: [], mappings: [] };
  return {
    read,
    async saveItems(items: ItemHint[]) {
      const hints = await read();
      await store.set(KEY, { ...hints, items: items.map(({ id, key, name, editor }) => ({ id, key, name, editor })) });
    },
    async saveItem(item: ItemHint) {
      const hints = await read();
      const items = [...hints.items.filter((i) => i.id !== item.id), { id: item.id, key: item.key, name: item.name, editor: item.editor }];
      await store.set(KEY, { ...hints, items });
    },
    async removeItem(id: string) {
      const hints = await read();
      await store.set(KEY, { items: hints.items.filter((i) => i.id !== id), mappings: hints.mappings.filter((m) => m.itemId !== id) });
    },
    async saveMappings(mappings: MappingHint[]) {
      const hints = await read();
      await store.set(KEY, { ...hints, mappings });
    },
  };
}

/**
 * The items mapped to a project and issue type, not hidden; on the portal, where the request type is
 * known, the mapping's request types must match too (an empty list matches every type).
 */
export function itemsFor(hints: ItemHints, where: { projectId?: string; issueTypeId?: string; requestTypeId?: string }): ItemHint[] {
  const matches = (ids: string[], id: string | undefined) => ids.length === 0 || (id !== undefined && ids.includes(id));
  const ids = new Set(
    hints.mappings
      .filter((m) => !m.hidden && m.projectId === where.projectId && matches(m.issueTypeIds, where.issueTypeId))
      .filter((m) => where.requestTypeId === undefined || matches(m.requestTypeIds, where.requestTypeId))
      .map((m) => m.itemId),
  );
  return hints.items.filter((i) => ids.has(i.id));
}
