// Which connected items the issue panel shows where: the items' names and the mapping document (ids
// only), kept in Forge storage by the admin resolvers whenever either is saved. The panel needs them
// for every issue view, and the companion keeps the mappings on its admin routes.
//
// Split so that no value passes Forge's 240 KiB at the contract's limits (5,000 mappings, each with
// up to 500 issue and 500 request types): one key per item (`item-hints:item:<id>`), one list per
// project (`item-hints:project:<projectId>`, paged when large, kvs-paged-list.ts) — an issue view
// reads its project's list and the few items that apply — and the list of projects that have one.
import type { KeyValueStore } from '../platform/forge-platform';
import { pagedList } from './kvs-paged-list';

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

export type Where = { projectId?: string; issueTypeId?: string; requestTypeId?: string };

/** The single value of the first version, read until the first save in this layout replaces it. */
const LEGACY_KEY = 'item-hints';
const PROJECTS_KEY = 'item-hints:projects';
const itemKey = (id: string) => `item-hints:item:${id}`;
const projectKey = (projectId: string) => `item-hints:project:${projectId}`;
const pairOf = (m: { itemId: string; projectId: string }) => `${m.itemId}/${m.projectId}`;
const hintOf = ({ id, key, name, editor }: ItemHint): ItemHint => ({ id, key, name, editor });
const mappingOf = ({ itemId, projectId, issueTypeIds, requestTypeIds, hidden }: MappingHint): MappingHint => ({ itemId, projectId, issueTypeIds, requestTypeIds, hidden });
const groupByProject = (mappings: MappingHint[]) => {
  const byProject = new Map<string, MappingHint[]>();
  for (const m of mappings) byProject.set(m.projectId, [...(byProject.get(m.projectId) ?? []), mappingOf(m)]);
  return byProject;
};

export function itemHintsStore(store: KeyValueStore) {
  const projects = pagedList<string>(store, PROJECTS_KEY);
  const projectList = (projectId: string) => pagedList<MappingHint>(store, projectKey(projectId));

  /** Writes the projects' lists (an empty one is removed) and keeps the list of projects current. */
  async function writeProjects(lists: Map<string, MappingHint[]>, known: string[]) {
    for (const [projectId, list] of lists) {
      if (list.length === 0) await projectList(projectId).remove();
      else await projectList(projectId).write(list);
    }
    const next = new Set(known);
    for (const [projectId, list] of lists) {
      if (list.length === 0) next.delete(projectId);
      else next.add(projectId);
    }
    await projects.write([...next]);
    await store.delete(LEGACY_KEY);
  }

  async function items(ids: string[]): Promise<ItemHint[]> {
    const found = await Promise.all([...new Set(ids)].map((id) => store.get<ItemHint>(itemKey(id))));
    return found.filter((i): i is ItemHint => i !== undefined);
  }

  return {
    async saveItems(list: ItemHint[]) {
      await Promise.all(list.map((item) => store.set(itemKey(item.id), hintOf(item))));
    },
    async saveItem(item: ItemHint) {
      await store.set(itemKey(item.id), hintOf(item));
    },

    /** The item is gone: its hint, and its mappings on the projects it was mapped to. */
    async removeItem(id: string, projectIds: string[]) {
      await store.delete(itemKey(id));
      const lists = new Map<string, MappingHint[]>();
      for (const projectId of new Set(projectIds)) lists.set(projectId, ((await projectList(projectId).read()) ?? []).filter((m) => m.itemId !== id));
      if (lists.size > 0) await writeProjects(lists, (await projects.read()) ?? []);
    },

    /** The whole document (a full read or a PUT): rewrites the projects that changed. */
    async replaceMappings(mappings: MappingHint[]) {
      const known = (await projects.read()) ?? [];
      const lists = groupByProject(mappings);
      for (const projectId of known) if (!lists.has(projectId)) lists.set(projectId, []);
      const stored = new Set(known);
      for (const [projectId, list] of lists) {
        const was = stored.has(projectId) ? await projectList(projectId).read() : undefined;
        if (JSON.stringify(was ?? []) === JSON.stringify(list)) lists.delete(projectId);
      }
      await writeProjects(lists, known);
    },

    /** One page of changes the companion accepted: only the projects it touches are rewritten. */
    async applyMappingChanges(set: MappingHint[], remove: Array<{ itemId: string; projectId: string }>) {
      const dropped = new Set([...set, ...remove].map(pairOf));
      const added = groupByProject(set);
      const lists = new Map<string, MappingHint[]>();
      for (const projectId of new Set([...set, ...remove].map((m) => m.projectId))) {
        const kept = ((await projectList(projectId).read()) ?? []).filter((m) => !dropped.has(pairOf(m)));
        lists.set(projectId, [...kept, ...(added.get(projectId) ?? [])]);
      }
      await writeProjects(lists, (await projects.read()) ?? []);
    },

    /** The items mapped to a project and issue type (or request type, on the portal), not hidden. */
    async forIssue(where: Where): Promise<ItemHint[]> {
      if (!where.projectId) return [];
      const mappings = await projectList(where.projectId).read();
      // No list for this project: nothing is mapped there, unless nothing was saved in this layout yet.
      if (mappings === undefined) {
        const legacy = (await projects.read()) === undefined ? await store.get<ItemHints>(LEGACY_KEY) : undefined;
        return legacy ? itemsFor(legacy, where) : [];
      }
      const applicable = applicableMappings(mappings, where).map((m) => m.itemId);
      const byId = new Map((await items(applicable)).map((h) => [h.id, h]));
      return applicable.flatMap((id) => byId.get(id) ?? []);
    },

    /** Names of items by id (items with stored values that no mapping shows any more). */
    items,
  };
}

/**
 * The mappings that place an item on this project and issue type, not hidden; on the portal, where
 * the request type is known, the mapping's request types must match too (an empty list matches
 * every type).
 */
export function applicableMappings(mappings: MappingHint[], where: Where): MappingHint[] {
  const matches = (ids: string[], id: string | undefined) => ids.length === 0 || (id !== undefined && ids.includes(id));
  return mappings
    .filter((m) => !m.hidden && m.projectId === where.projectId && matches(m.issueTypeIds, where.issueTypeId))
    .filter((m) => where.requestTypeId === undefined || matches(m.requestTypeIds, where.requestTypeId));
}

/** The items mapped to a project and issue type (and request type, on the portal), not hidden. */
export function itemsFor(hints: ItemHints, where: Where): ItemHint[] {
  const ids = new Set(applicableMappings(hints.mappings, where).map((m) => m.itemId));
  return hints.items.filter((i) => ids.has(i.id));
}
