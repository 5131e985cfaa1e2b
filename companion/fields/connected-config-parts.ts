// The columns connected fields and connected items share, as their views, the support export and
// the admin answers show them (the contract's `connectedConfigView`, without version and dates).
import type { FieldRow } from './field-repository.js';
import type { ItemRow } from '../items/item-repository.js';

export const connectedConfigParts = (row: FieldRow | ItemRow) => ({
  id: row.id,
  key: row.key,
  name: row.name,
  datasourceId: row.datasourceId,
  query: row.query,
  resultPath: row.resultPath,
  idTemplate: row.idTemplate,
  displayTemplate: row.displayTemplate,
  cacheTtlSeconds: row.cacheTtlSeconds,
  maxOptions: row.maxOptions,
  dependsOn: row.dependsOn,
});

/** `version`, `createdAt` and `updatedAt` of a configuration view. */
export const versionParts = (row: FieldRow | ItemRow) => ({
  version: row.version,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});
