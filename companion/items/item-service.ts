// Connected item configurations: validation (datasource of this tenant, templates that parse, no
// dependency cycle), optimistic concurrency, soft delete with a purge date, audit.
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/prisma.js';
import { purgeDateFrom, type Clock } from '../clock.js';
import { RESERVED_ATTRIBUTE_NAMES, type Item, type ItemInput, type ItemUpdate } from '../contract/item.js';
import { conflict, invalidAt, notFound, staleVersion } from '../errors.js';
import { recordAudit } from '../audit/record-audit.js';
import { extractReferences, templateError } from '../templates/template-references.js';
import { parseHint } from '../templates/template-check.js';
import { templateWarnings } from '../connected/template-vocabulary.js';
import { findCycle, dependencyKeys } from '../fields/field-dependencies.js';
import { datasourceRepository } from '../datasources/datasource-repository.js';
import { itemRepository, type ItemRow } from './item-repository.js';
import { connectedConfigParts, versionParts } from '../connected/connected-config-parts.js';
import { mappingRepository } from '../mappings/mapping-repository.js';
import { idCursorPage } from '../db/id-cursor.js';

export interface Actor {
  tenantId: string;
  accountId: string | null;
}

export const DEFAULT_MAX_OPTIONS = 1000;

export function toItemView(row: ItemRow): Item {
  const attributes = (row.attributes ?? {}) as Record<string, string>;
  return { ...connectedConfigParts(row), editor: row.editor as Item['editor'], attributes, ...versionParts(row) };
}

/** Every template of an item must parse; attribute names must not shadow id/value/ids/values. */
export function checkItemTemplates(input: ItemInput): void {
  const templates: Array<[string, string, string | null | undefined]> = [
    ['query', '/query', input.query],
    ['idTemplate', '/idTemplate', input.idTemplate],
    ['displayTemplate', '/displayTemplate', input.displayTemplate],
    ...Object.entries(input.attributes ?? {}).map(([name, t]): [string, string, string] => [`attributes.${name}`, `/attributes/${name}`, t]),
  ];
  for (const [where, path, template] of templates) {
    const problem = template ? templateError(template) : null;
    const why = problem ? `${problem}${parseHint(template ?? '')}` : null;
    if (why) throw invalidAt(400, 'invalid_template', path, `is not a valid template: ${why}`, `${where} is not a valid template: ${why}`);
  }
  for (const name of Object.keys(input.attributes ?? {})) {
    if ((RESERVED_ATTRIBUTE_NAMES as readonly string[]).includes(name)) {
      const why = `the names ${RESERVED_ATTRIBUTE_NAMES.join(', ')} are reserved`;
      throw invalidAt(400, 'validation_failed', `/attributes/${name}`, why, `attributes.${name}: ${why}`);
    }
  }
}

function rowData(input: ItemInput, dependsOn: string[]) {
  return {
    name: input.name,
    datasourceId: input.datasourceId,
    editor: input.editor,
    query: input.query ?? '',
    resultPath: input.resultPath ?? null,
    idTemplate: input.idTemplate ?? null,
    displayTemplate: input.displayTemplate ?? null,
    cacheTtlSeconds: input.cacheTtlSeconds ?? null,
    maxOptions: input.maxOptions ?? DEFAULT_MAX_OPTIONS,
    attributes: input.attributes ?? {},
    dependsOn,
  };
}

/**
 * `dropCache` drops the cached answers of a changed or deleted item, here and in Postgres (its new
 * generation already misses them; a deleted item's answers are kept no longer than the item).
 */
export function itemService(db: Db, clock: Clock, dropCache: (tenantId: string, id: string) => Promise<void> = async () => undefined) {
  const repo = itemRepository(db);
  const audit = (actor: Actor, action: string, id: string, before: Item | null, after: Item | null) =>
    recordAudit(db, { tenantId: actor.tenantId, actor: actor.accountId, action, entityType: 'item', entityId: id, before, after });

  async function mustFind(tenantId: string, id: string) {
    const row = await repo.find(tenantId, id);
    if (!row) throw notFound('Item');
    return row;
  }

  /** Shared checks of create and update; returns the dependency edges to store. */
  async function validate(tenantId: string, input: ItemInput): Promise<string[]> {
    checkItemTemplates(input);
    if (!(await datasourceRepository(db).find(tenantId, input.datasourceId))) {
      throw invalidAt(422, 'unknown_datasource', '/datasourceId', 'The datasource does not exist');
    }
    const dependsOn = dependencyKeys(extractReferences(input.query ?? ''));
    if (dependsOn.includes(input.key)) throw invalidAt(422, 'dependency_cycle', '/query', `${input.key} cannot reference itself`);
    const cycle = findCycle(await repo.graph(tenantId), input.key, dependsOn);
    if (cycle) throw invalidAt(422, 'dependency_cycle', '/query', `Dependency cycle: ${cycle.join(' → ')}`);
    return dependsOn;
  }

  return {
    async list(tenantId: string, limit: number, cursor: string | undefined) {
      const { page, nextCursor } = idCursorPage(await repo.list(tenantId, limit, cursor), limit);
      return { items: page.map(toItemView), nextCursor };
    },

    async get(tenantId: string, id: string) {
      return toItemView(await mustFind(tenantId, id));
    },

    async create(actor: Actor, input: ItemInput) {
      const dependsOn = await validate(actor.tenantId, input);
      if (await repo.findByKey(actor.tenantId, input.key)) throw invalidAt(409, 'duplicate_key', '/key', `An item with the key ${input.key} exists`);
      const row = await repo.create({ id: randomUUID(), tenantId: actor.tenantId, key: input.key, ...rowData(input, dependsOn) });
      const view = toItemView(row);
      await audit(actor, 'item.created', row.id, null, view);
      return { ...view, warnings: await templateWarnings(db, actor.tenantId, input) };
    },

    async update(actor: Actor, id: string, input: ItemUpdate) {
      const current = await mustFind(actor.tenantId, id);
      if (current.version !== input.version) throw staleVersion('Item');
      // Other queries and stored values know the item by its key: it is fixed at creation.
      if (input.key !== current.key) throw invalidAt(409, 'immutable_key', '/key', 'An item key cannot change; create a new item');
      const dependsOn = await validate(actor.tenantId, input);
      const count = await repo.updateVersion(actor.tenantId, id, input.version, rowData(input, dependsOn));
      if (count === 0) throw staleVersion('Item');
      await dropCache(actor.tenantId, id);
      const after = toItemView(await mustFind(actor.tenantId, id));
      await audit(actor, 'item.updated', id, toItemView(current), after);
      return { ...after, warnings: await templateWarnings(db, actor.tenantId, input) };
    },

    async remove(actor: Actor, id: string) {
      const current = await mustFind(actor.tenantId, id);
      const [fields, items] = await repo.referencedBy(actor.tenantId, current.key);
      const users = [...fields, ...items].map((r) => r.key).filter((k) => k !== current.key);
      if (users.length > 0) throw conflict(`The item is referenced by ${users.join(', ')}; change those first`, 'item_in_use');
      const now = clock.now();
      const purgeAt = purgeDateFrom(now);
      await db.$transaction(async (tx) => {
        await itemRepository(tx).softDelete(actor.tenantId, id, now, purgeAt);
        await itemRepository(tx).softDeleteValues(actor.tenantId, id, now, purgeAt);
        // A deleted item is no longer mapped anywhere; the mapping document changes version.
        const removed = await mappingRepository(tx).removeForItem(actor.tenantId, id);
        if (removed > 0) await mappingRepository(tx).bumpVersion(actor.tenantId);
        await recordAudit(tx, { tenantId: actor.tenantId, actor: actor.accountId, action: 'item.deleted', entityType: 'item', entityId: id, before: toItemView(current), after: null });
      });
      await dropCache(actor.tenantId, id);
    },
  };
}
export type ItemService = ReturnType<typeof itemService>;
