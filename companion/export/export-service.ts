// The support export: every configuration of one tenant in one document (DESIGN.md, the seed's
// "support export file"). No values (item values, field values, cache) and no secrets: secrets
// are named in `secretsToEnter`, and header values that look like credentials are left out too.
import type { DbTx } from '../db/prisma.js';
import { EXPORT_FORMAT_VERSION, type ExportDocument, type ExportedDatasource } from '../contract/support-export.js';
import { credentialHeaderNames, headerSecretName, namedSecrets, readStoredSecrets, splitCredentialHeaders } from '../datasources/datasource-secrets.js';
import type { DatasourceRow } from '../datasources/datasource-repository.js';
import type { FieldRow } from '../fields/field-repository.js';
import type { ItemRow } from '../items/item-repository.js';
import { mappingRepository } from '../mappings/mapping-repository.js';
import { connectedConfigParts } from '../connected/connected-config-parts.js';

export function exportDatasource(row: DatasourceRow): ExportedDatasource {
  // Credential headers are stored encrypted, but a row from before may still hold them in its config.
  const { config } = splitCredentialHeaders(row.config);
  const leftOut = credentialHeaderNames(row).map(headerSecretName);
  return {
    id: row.id,
    name: row.name,
    type: row.type as ExportedDatasource['type'],
    config,
    secretsToEnter: [...Object.keys(namedSecrets(readStoredSecrets(row.secrets))), ...leftOut],
    cacheTtlSeconds: row.cacheTtlSeconds,
    timeoutMs: row.timeoutMs,
  };
}


export function exportField(row: FieldRow): ExportDocument['fields'][number] {
  return { ...connectedConfigParts(row), editor: row.editor as 'select', storage: row.storage as 'object' };
}

export function exportItem(row: ItemRow): ExportDocument['items'][number] {
  return { ...connectedConfigParts(row), editor: row.editor as 'select', attributes: (row.attributes ?? {}) as Record<string, string> };
}

export async function buildExport(db: DbTx, tenantId: string, now: Date): Promise<ExportDocument> {
  const live = { tenantId, deletedAt: null };
  const deleted = { where: { tenantId, deletedAt: { not: null } }, select: { id: true, name: true, purgeAt: true } } as const;
  const [datasources, fields, items, mappings, tenant, dsGone, fieldsGone, itemsGone] = await Promise.all([
    db.datasource.findMany({ where: live, orderBy: { name: 'asc' } }),
    db.field.findMany({ where: live, orderBy: { key: 'asc' } }),
    db.item.findMany({ where: live, orderBy: { key: 'asc' } }),
    mappingRepository(db).read(tenantId),
    db.tenant.findUnique({ where: { id: tenantId }, select: { id: true, installationId: true, purgeAt: true } }),
    db.datasource.findMany(deleted),
    db.field.findMany(deleted),
    db.item.findMany(deleted),
  ]);
  const pending = (entityType: string, rows: Array<{ id: string; name: string; purgeAt: Date | null }>) =>
    rows.filter((r) => r.purgeAt).map((r) => ({ entityType, id: r.id, name: r.name, purgeAt: r.purgeAt!.toISOString() }));
  return {
    formatVersion: EXPORT_FORMAT_VERSION,
    exportedAt: now.toISOString(),
    datasources: datasources.map(exportDatasource),
    fields: fields.map(exportField),
    items: items.map(exportItem),
    mappings: mappings.mappings,
    pendingPurge: [
      ...pending('datasource', dsGone),
      ...pending('field', fieldsGone),
      ...pending('item', itemsGone),
      ...(tenant?.purgeAt ? [{ entityType: 'tenant', id: tenant.id, name: tenant.installationId, purgeAt: tenant.purgeAt.toISOString() }] : []),
    ],
  };
}
