// Connected field configuration: validation on save (templates parse, the datasource exists in the
// tenant, the key is free, no dependency cycle), optimistic concurrency, immutable storage, soft
// delete, audit, and invalidation of everything cached for the field.
import { randomUUID } from 'node:crypto';
import type { Companion } from '../companion.js';
import { purgeDateFrom } from '../clock.js';
import type { Field, FieldInput, FieldUpdate } from '../contract/field.js';
import { badRequest, conflict, invalidAt, notFound, staleVersion, unprocessable } from '../errors.js';
import { recordAudit } from '../audit/record-audit.js';
import { datasourceRepository } from '../datasources/datasource-repository.js';
import { extractReferences, templateError } from '../templates/template-references.js';
import { runtimeCaches } from '../cache/runtime-caches.js';
import { fieldRepository, type FieldRow } from './field-repository.js';
import { connectedConfigParts, versionParts } from '../connected/connected-config-parts.js';
import { dependencyKeys, findCycle } from './field-dependencies.js';
import { fieldSnapshots } from './field-snapshots.js';
import { idCursorPage } from '../db/id-cursor.js';
import { parseHint } from '../templates/template-check.js';
import { templateWarnings } from '../connected/template-vocabulary.js';

export const DEFAULT_MAX_OPTIONS = 1000;

export interface Actor {
  tenantId: string;
  accountId: string | null;
}

export function toFieldView(row: FieldRow): Field {
  return { ...connectedConfigParts(row), editor: row.editor as Field['editor'], storage: row.storage as Field['storage'], ...versionParts(row) };
}

function checkTemplates(input: FieldInput): void {
  const templates: Array<[string, string | null | undefined]> = [
    ['query', input.query],
    ['idTemplate', input.idTemplate],
    ['displayTemplate', input.displayTemplate],
  ];
  for (const [name, template] of templates) {
    const error = template ? templateError(template) : null;
    if (error) {
      const why = `${error}${parseHint(template ?? '')}`;
      throw invalidAt(400, 'invalid_template', `/${name}`, `does not parse: ${why}`, `${name} does not parse: ${why}`);
    }
  }
  if (input.resultPath && !input.resultPath.startsWith('$')) {
    throw badRequest('resultPath must be a JSONPath starting with $', 'invalid_result_path');
  }
}

/** Whatever was cached for a changed field (its copy, its options) is dropped in this instance and in Postgres. */
export async function dropFieldCopies(companion: Companion, tenantId: string, id: string): Promise<void> {
  fieldSnapshots(companion).forget(tenantId, (f) => f.id === id);
  await runtimeCaches(companion).options.dropConfig(tenantId, id);
}

export function fieldService(companion: Companion) {
  const { db, clock } = companion;
  const repo = fieldRepository(db);
  const datasources = datasourceRepository(db);
  const audit = (actor: Actor, action: string, id: string, before: Field | null, after: Field | null) =>
    recordAudit(db, { tenantId: actor.tenantId, actor: actor.accountId, action, entityType: 'field', entityId: id, before, after });

  async function mustFind(tenantId: string, id: string) {
    const row = await repo.find(tenantId, id);
    if (!row) throw notFound('Field');
    return row;
  }

  /** Checks shared by create and update; returns the dependency edges of the query. */
  async function validate(tenantId: string, input: FieldInput, selfId: string | null): Promise<string[]> {
    checkTemplates(input);
    if (!(await datasources.find(tenantId, input.datasourceId))) {
      throw unprocessable(`Datasource ${input.datasourceId} does not exist in this installation`, 'datasource_not_found');
    }
    const holder = await repo.findByKey(tenantId, input.key);
    if (holder && holder.id !== selfId) throw conflict(`${input.key} is already connected`, 'duplicate_key');
    // Every `$issue.customfield_N` / `connected_item_N` is kept, connected or not yet: a field
    // connected later joins the graph with its edges already known.
    const dependsOn = dependencyKeys(extractReferences(input.query ?? ''));
    const graph = (await repo.graph(tenantId)).filter((n) => n.id !== selfId);
    const cycle = findCycle(graph, input.key, dependsOn);
    if (cycle) throw unprocessable(`The dependencies would form a cycle: ${cycle.join(' → ')}`, 'dependency_cycle');
    return dependsOn;
  }

  const invalidate = (tenantId: string, id: string) => dropFieldCopies(companion, tenantId, id);

  const columns = (input: FieldInput, dependsOn: string[]) => ({
    key: input.key,
    name: input.name,
    datasourceId: input.datasourceId,
    editor: input.editor,
    query: input.query ?? '',
    resultPath: input.resultPath ?? null,
    idTemplate: input.idTemplate ?? null,
    displayTemplate: input.displayTemplate ?? null,
    cacheTtlSeconds: input.cacheTtlSeconds ?? null,
    maxOptions: input.maxOptions ?? DEFAULT_MAX_OPTIONS,
    dependsOn,
  });

  return {
    async list(tenantId: string, limit: number, cursor: string | undefined) {
      const { page, nextCursor } = idCursorPage(await repo.list(tenantId, limit, cursor), limit);
      return { fields: page.map(toFieldView), nextCursor };
    },

    async get(tenantId: string, id: string) {
      return toFieldView(await mustFind(tenantId, id));
    },

    async create(actor: Actor, input: FieldInput) {
      const dependsOn = await validate(actor.tenantId, input, null);
      const id = randomUUID();
      const row = await repo.create({ id, tenantId: actor.tenantId, storage: input.storage, ...columns(input, dependsOn) });
      const view = toFieldView(row);
      await audit(actor, 'field.created', id, null, view);
      return { ...view, warnings: await templateWarnings(db, actor.tenantId, input) };
    },

    async update(actor: Actor, id: string, input: FieldUpdate) {
      const current = await mustFind(actor.tenantId, id);
      if (current.version !== input.version) throw staleVersion('Field');
      // Values already stored in Jira have the shape of the original storage type.
      if (input.storage !== current.storage) throw conflict('A field storage type cannot change; create a new field', 'immutable_storage');
      const dependsOn = await validate(actor.tenantId, input, id);
      const count = await repo.updateVersion(actor.tenantId, id, input.version, columns(input, dependsOn));
      if (count === 0) throw staleVersion('Field');
      await invalidate(actor.tenantId, id);
      const after = toFieldView(await mustFind(actor.tenantId, id));
      await audit(actor, 'field.updated', id, toFieldView(current), after);
      return { ...after, warnings: await templateWarnings(db, actor.tenantId, input) };
    },

    async remove(actor: Actor, id: string) {
      const current = await mustFind(actor.tenantId, id);
      // A field another field or item references would leave their queries pointing at nothing.
      const [fields, items] = await repo.referencedBy(actor.tenantId, current.key);
      const users = [...fields, ...items].map((r) => r.key).filter((k) => k !== current.key);
      if (users.length > 0) throw conflict(`The field is referenced by ${users.join(', ')}; change those first`, 'field_in_use');
      const now = clock.now();
      await repo.softDelete(actor.tenantId, id, now, purgeDateFrom(now));
      await invalidate(actor.tenantId, id);
      await audit(actor, 'field.deleted', id, toFieldView(current), null);
    },
  };
}
export type FieldService = ReturnType<typeof fieldService>;
