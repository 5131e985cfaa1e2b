// The support export (GET /v1/admin/export) and its import (POST /v1/admin/import): every
// configuration of a tenant, no values and no secrets. Ids in the document are the exporting
// tenant's; an import maps them to new ones (datasources by name, fields and items by key).
import { Type, type Static } from 'typebox';
import { DatasourceType } from './datasource';
import { Editor, Storage } from './field';
import { ATTRIBUTE_NAME_PATTERN, ITEM_KEY_PATTERN, ItemEditor } from './item';
import { nullableInteger, nullableString } from './connected-config';
import { Mapping } from './mapping';
import { callerContextProperty } from './common';

export const EXPORT_FORMAT_VERSION = 1;

const Template = Type.String({ maxLength: 10000 });
const NullableTemplate = nullableString(10000);
const Ttl = nullableInteger(0, 86400);

export const ExportedDatasource = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    type: DatasourceType,
    config: Type.Record(Type.String({ maxLength: 100 }), Type.Unknown()),
    /** Names of the secrets that were set: to be entered again after an import. */
    secretsToEnter: Type.Array(Type.String({ maxLength: 50 }), { maxItems: 10 }),
    cacheTtlSeconds: Type.Integer({ minimum: 0, maximum: 86400 }),
    timeoutMs: Type.Integer({ minimum: 1000, maximum: 20000 }),
  },
  { additionalProperties: false },
);
export type ExportedDatasource = Static<typeof ExportedDatasource>;

const QueryParts = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  datasourceId: Type.String({ format: 'uuid' }),
  query: Template,
  resultPath: nullableString(1000),
  idTemplate: NullableTemplate,
  displayTemplate: NullableTemplate,
  cacheTtlSeconds: Ttl,
  maxOptions: Type.Integer({ minimum: 1, maximum: 1000 }),
  dependsOn: Type.Array(Type.String({ maxLength: 200 }), { maxItems: 200 }),
};

export const ExportedField = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    key: Type.String({ pattern: '^customfield_[0-9]{1,12}$' }),
    editor: Editor,
    storage: Storage,
    ...QueryParts,
  },
  { additionalProperties: false },
);
export type ExportedField = Static<typeof ExportedField>;

export const ExportedItem = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    key: Type.String({ pattern: ITEM_KEY_PATTERN }),
    editor: ItemEditor,
    attributes: Type.Record(Type.String({ pattern: ATTRIBUTE_NAME_PATTERN }), Template, { maxProperties: 50, additionalProperties: false }),
    ...QueryParts,
  },
  { additionalProperties: false },
);
export type ExportedItem = Static<typeof ExportedItem>;

export const PendingPurge = Type.Object({
  entityType: Type.String(),
  id: Type.String(),
  name: Type.String(),
  purgeAt: Type.String({ format: 'date-time' }),
});

export const ExportDocument = Type.Object(
  {
    formatVersion: Type.Literal(EXPORT_FORMAT_VERSION),
    exportedAt: Type.String({ format: 'date-time' }),
    datasources: Type.Array(ExportedDatasource, { maxItems: 1000 }),
    fields: Type.Array(ExportedField, { maxItems: 5000 }),
    items: Type.Array(ExportedItem, { maxItems: 5000 }),
    mappings: Type.Array(Mapping, { maxItems: 5000 }),
    /** Informational (deleted configuration awaiting purge); ignored by an import. */
    pendingPurge: Type.Array(PendingPurge, { maxItems: 10000 }),
  },
  { additionalProperties: false },
);
export type ExportDocument = Static<typeof ExportDocument>;

/** What `POST /v1/admin/import` takes: an export, plus who imports it (as every admin body may carry). */
export const ImportDocument = Type.Object({ ...ExportDocument.properties, ...callerContextProperty }, { additionalProperties: false });

export const ImportQuery = Type.Object({ mode: Type.Optional(Type.Union([Type.Literal('create'), Type.Literal('replace')])) });

const Counts = Type.Object({ created: Type.Integer(), replaced: Type.Integer() });
export const ImportResult = Type.Object({
  datasources: Counts,
  fields: Counts,
  items: Counts,
  mappings: Type.Object({ created: Type.Integer(), replaced: Type.Integer() }),
  /** Datasources whose secrets must be entered again: [{id (the new one), name, secrets}]. */
  secretsToEnter: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), secrets: Type.Array(Type.String()) })),
});
export type ImportResult = Static<typeof ImportResult>;
