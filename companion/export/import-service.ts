// Import of a support export into this tenant (test site → production). Everything happens in one
// transaction: the whole document is checked first, then written, so a refused import leaves
// nothing behind. Datasources match by name, fields and items by key; a match is a 409 unless
// mode=replace. Secrets are never in the document: they are to be entered again.
import { randomUUID } from 'node:crypto';
import { Value } from 'typebox/value';
import type { Db, DbTx } from '../db/prisma.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { ExportDocument, ImportResult } from '../contract/support-export.js';
import { CONFIG_SCHEMAS } from '../contract/datasource.js';
import { assertConnectorConfig } from '../connectors/rest-headers.js';
import { badRequest, conflict, unprocessable } from '../errors.js';
import { recordAudit } from '../audit/record-audit.js';
import { extractReferences, templateError } from '../templates/template-references.js';
import { dependencyKeys, findCycle } from '../fields/field-dependencies.js';
import { credentialHeaderNames, headerSecretName, namedSecrets, readStoredSecrets, sealCredentialHeaders, secretAad } from '../datasources/datasource-secrets.js';
import { assertSecretsStay, keptCredentialHeaders, secretsKept } from '../datasources/secret-placement.js';
import { checkItemTemplates } from '../items/item-service.js';
import { itemRepository } from '../items/item-repository.js';
import { mappingRepository } from '../mappings/mapping-repository.js';
import { exportDatasource, exportField, exportItem } from './export-service.js';

export interface Actor {
  tenantId: string;
  accountId: string | null;
}
export type ImportMode = 'create' | 'replace';
interface Replaced {
  replacedDatasourceIds: string[];
  replacedFieldIds: string[];
}

function check(doc: ExportDocument): void {
  for (const ds of doc.datasources) {
    const first = Value.Errors(CONFIG_SCHEMAS[ds.type], ds.config)[0];
    if (first) throw badRequest(`Datasource ${ds.name}: config${first.instancePath.replaceAll('/', '.')} ${first.message}`, 'validation_failed');
    // The same header rules as a datasource saved through its own route.
    assertConnectorConfig(ds);
  }
  const dsIds = new Set(doc.datasources.map((d) => d.id));
  const unique = (what: string, values: string[]) => {
    const dup = values.find((v, i) => values.indexOf(v) !== i);
    if (dup) throw badRequest(`The document names the ${what} ${dup} twice`, 'validation_failed');
  };
  unique('datasource', doc.datasources.map((d) => d.name));
  unique('datasource id', doc.datasources.map((d) => d.id));
  unique('item id', doc.items.map((i) => i.id));
  unique('field', doc.fields.map((f) => f.key));
  unique('item', doc.items.map((i) => i.key));
  for (const f of [...doc.fields, ...doc.items]) {
    if (!dsIds.has(f.datasourceId)) throw unprocessable(`${f.key} uses a datasource that is not in the document`, 'unknown_datasource');
  }
  for (const f of doc.fields) {
    for (const [where, t] of [['query', f.query], ['idTemplate', f.idTemplate], ['displayTemplate', f.displayTemplate]] as const) {
      const problem = t ? templateError(t) : null;
      if (problem) throw badRequest(`${f.key}.${where} is not a valid template: ${problem}`, 'invalid_template');
    }
  }
  for (const item of doc.items) checkItemTemplates(item);
  const itemIds = new Set(doc.items.map((i) => i.id));
  for (const m of doc.mappings) if (!itemIds.has(m.itemId)) throw unprocessable(`A mapping names item ${m.itemId}, which is not in the document`, 'unknown_item');
}

export function importService(db: Db, box: SecretBox) {
  return {
    /** The result, and the ids of the datasources and fields that were replaced (their pools and copies are stale). */
    async importDocument(actor: Actor, doc: ExportDocument, mode: ImportMode): Promise<ImportResult & Replaced> {
      check(doc);
      const t = actor.tenantId;
      return db.$transaction(async (tx) => {
        const live = { tenantId: t, deletedAt: null };
        const [dsExisting, fieldExisting, itemExisting] = await Promise.all([
          tx.datasource.findMany({ where: { ...live, name: { in: doc.datasources.map((d) => d.name) } } }),
          tx.field.findMany({ where: { ...live, key: { in: doc.fields.map((f) => f.key) } } }),
          tx.item.findMany({ where: { ...live, key: { in: doc.items.map((i) => i.key) } } }),
        ]);
        if (mode !== 'replace' && dsExisting.length + fieldExisting.length + itemExisting.length > 0) {
          const names = [...dsExisting.map((d) => `datasource "${d.name}"`), ...fieldExisting.map((f) => f.key), ...itemExisting.map((i) => i.key)];
          throw conflict(`Already configured: ${names.slice(0, 10).join(', ')}; import with ?mode=replace to overwrite`, 'import_conflict');
        }
        // The same rules as a PUT: a datasource keeps its type, a field its storage.
        for (const d of dsExisting) {
          const incoming = doc.datasources.find((x) => x.name === d.name)!;
          if (incoming.type !== d.type) throw conflict(`Datasource "${d.name}": a datasource type cannot change; import it under another name`, 'immutable_type');
        }
        for (const f of fieldExisting) {
          const incoming = doc.fields.find((x) => x.key === f.key)!;
          if (incoming.storage !== f.storage) throw conflict(`${f.key}: a field's storage type cannot change`, 'immutable_storage');
        }
        const audit = (action: string, entityType: string, entityId: string, before: unknown, after: unknown) =>
          recordAudit(tx, { tenantId: t, actor: actor.accountId, action, entityType, entityId, before, after });
        const result: ImportResult & Replaced = {
          replacedDatasourceIds: dsExisting.map((d) => d.id),
          replacedFieldIds: fieldExisting.map((f) => f.id),
          datasources: { created: 0, replaced: 0 },
          fields: { created: 0, replaced: 0 },
          items: { created: 0, replaced: 0 },
          mappings: { created: 0, replaced: 0 },
          secretsToEnter: [],
        };

        const dsIds = new Map<string, string>();
        for (const ds of doc.datasources) {
          const current = dsExisting.find((d) => d.name === ds.name);
          // Secrets are bound to their datasource and kept by a replace (the type cannot change). A
          // document carries none, so a replace that moves the datasource elsewhere is refused.
          const keptNamed = current ? namedSecrets(readStoredSecrets(current.secrets)) : {};
          const kept = current ? keptCredentialHeaders(credentialHeaderNames(current), ds.config, []) : [];
          if (current) assertSecretsStay(`Datasource "${ds.name}"`, ds.type, current.config, ds.config, secretsKept(Object.keys(keptNamed), undefined, kept), 'import');
          // Credential headers the document gives (an export has none, a hand-written one may) are
          // encrypted like those a replace keeps; the stored config has none.
          const id = current?.id ?? randomUUID();
          const aad = (n: string) => secretAad(t, id, n);
          const headers = sealCredentialHeaders(box, aad, current ?? null, ds.config, kept);
          const secrets = { ...keptNamed, ...headers.secrets };
          const data = { name: ds.name, type: ds.type, config: headers.config as object, secrets: secrets as object, cacheTtlSeconds: ds.cacheTtlSeconds, timeoutMs: ds.timeoutMs };
          const row = current
            ? await tx.datasource.update({ where: { id: current.id }, data: { ...data, version: { increment: 1 }, cacheGeneration: { increment: 1 } } })
            : await tx.datasource.create({ data: { id, tenantId: t, ...data } });
          dsIds.set(ds.id, row.id);
          result.datasources[current ? 'replaced' : 'created'] += 1;
          await audit(current ? 'datasource.imported.replaced' : 'datasource.imported', 'datasource', row.id, current ? exportDatasource(current) : null, exportDatasource(row));
          const present = new Set([...Object.keys(keptNamed), ...kept.map(headerSecretName)]);
          const missing = ds.secretsToEnter.filter((name) => !present.has(name));
          if (missing.length > 0) result.secretsToEnter.push({ id: row.id, name: row.name, secrets: missing });
        }

        const common = (f: ExportDocument['fields'][number] | ExportDocument['items'][number]) => ({
          name: f.name,
          datasourceId: dsIds.get(f.datasourceId)!,
          editor: f.editor,
          query: f.query,
          resultPath: f.resultPath,
          idTemplate: f.idTemplate,
          displayTemplate: f.displayTemplate,
          cacheTtlSeconds: f.cacheTtlSeconds,
          maxOptions: f.maxOptions,
          // Recomputed, not trusted: the edges must match the queries.
          dependsOn: dependencyKeys(extractReferences(f.query)),
        });
        const bump = { version: { increment: 1 }, cacheGeneration: { increment: 1 } };
        for (const f of doc.fields) {
          const current = fieldExisting.find((x) => x.key === f.key);
          const row = current
            ? await tx.field.update({ where: { id: current.id }, data: { ...common(f), ...bump } })
            : await tx.field.create({ data: { id: randomUUID(), tenantId: t, key: f.key, storage: f.storage, ...common(f) } });
          result.fields[current ? 'replaced' : 'created'] += 1;
          await audit(current ? 'field.imported.replaced' : 'field.imported', 'field', row.id, current ? exportField(current) : null, exportField(row));
        }

        const itemIds = new Map<string, string>();
        for (const i of doc.items) {
          const current = itemExisting.find((x) => x.key === i.key);
          const data = { ...common(i), attributes: i.attributes };
          const row = current
            ? await tx.item.update({ where: { id: current.id }, data: { ...data, ...bump } })
            : await tx.item.create({ data: { id: randomUUID(), tenantId: t, key: i.key, ...data } });
          itemIds.set(i.id, row.id);
          result.items[current ? 'replaced' : 'created'] += 1;
          await audit(current ? 'item.imported.replaced' : 'item.imported', 'item', row.id, current ? exportItem(current) : null, exportItem(row));
        }

        await refuseCycles(tx, t, [...doc.fields, ...doc.items].map((f) => f.key));
        await importMappings(tx, actor, doc, itemIds, result);
        return result;
        // A document may hold thousands of entries: more than Prisma's default 5 s for a transaction.
      }, { timeout: 60_000, maxWait: 10_000 });
    },
  };
}

async function refuseCycles(tx: DbTx, tenantId: string, keys: string[]): Promise<void> {
  const graph = await itemRepository(tx).graph(tenantId);
  for (const key of keys) {
    const node = graph.find((n) => n.key === key);
    const cycle = node ? findCycle(graph, key, node.dependsOn) : null;
    if (cycle) throw unprocessable(`Dependency cycle: ${cycle.join(' → ')}`, 'dependency_cycle');
  }
}

/** The imported items' mappings replace whatever those items had; other items' mappings stay. */
async function importMappings(tx: DbTx, actor: Actor, doc: ExportDocument, itemIds: Map<string, string>, result: ImportResult) {
  if (doc.mappings.length === 0) return;
  const repo = mappingRepository(tx);
  const before = await repo.read(actor.tenantId);
  const imported = new Set(itemIds.values());
  const kept = before.mappings.filter((m) => !imported.has(m.itemId));
  const incoming = doc.mappings.map((m) => ({ ...m, itemId: itemIds.get(m.itemId)! }));
  result.mappings.replaced = before.mappings.length - kept.length;
  result.mappings.created = incoming.length;
  await repo.replaceAll(actor.tenantId, [...kept, ...incoming]);
  await repo.bumpVersion(actor.tenantId);
  const after = await repo.read(actor.tenantId);
  await recordAudit(tx, { tenantId: actor.tenantId, actor: actor.accountId, action: 'mappings.imported', entityType: 'mappings', entityId: null, before, after });
}
