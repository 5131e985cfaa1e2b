// The columns connected fields and connected items share, as their views, the support export and
// the admin answers show them (the contract's `connectedConfigView`, without version and dates).

/** The columns a field row and an item row both have (structural, so this module stays below both). */
export interface ConnectedRow {
  id: string;
  key: string;
  name: string;
  datasourceId: string;
  query: string;
  resultPath: string | null;
  idTemplate: string | null;
  displayTemplate: string | null;
  cacheTtlSeconds: number | null;
  maxOptions: number;
  dependsOn: string[];
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const connectedConfigParts = (row: ConnectedRow) => ({
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
export const versionParts = (row: ConnectedRow) => ({
  version: row.version,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});
