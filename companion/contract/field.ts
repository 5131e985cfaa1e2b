import { Type, type Static } from 'typebox';
import { Option, RequestContext, Timestamp } from './common.js';

export const Editor = Type.Union([
  Type.Literal('select'),
  Type.Literal('multiselect'),
  Type.Literal('autocomplete'),
  Type.Literal('readonly'),
]);
export type Editor = Static<typeof Editor>;
export const Storage = Type.Union([Type.Literal('snapshot'), Type.Literal('object')]);
export type Storage = Static<typeof Storage>;

const Template = Type.String({ maxLength: 10000 });
const FieldKey = Type.String({ pattern: '^customfield_[0-9]{1,12}$' });

export const FieldInput = Type.Object(
  {
    key: FieldKey,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    datasourceId: Type.String({ format: 'uuid' }),
    editor: Editor,
    storage: Storage,
    query: Type.Optional(Template),
    resultPath: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
    idTemplate: Type.Optional(Type.Union([Template, Type.Null()])),
    displayTemplate: Type.Optional(Type.Union([Template, Type.Null()])),
    cacheTtlSeconds: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 86400 }), Type.Null()])),
    maxOptions: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export type FieldInput = Static<typeof FieldInput>;

export const FieldUpdate = Type.Object(
  { ...FieldInput.properties, version: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
export type FieldUpdate = Static<typeof FieldUpdate>;

export const Field = Type.Object({
  id: Type.String(),
  key: Type.String(),
  name: Type.String(),
  datasourceId: Type.String(),
  editor: Editor,
  storage: Storage,
  query: Type.String(),
  resultPath: Type.Union([Type.String(), Type.Null()]),
  idTemplate: Type.Union([Type.String(), Type.Null()]),
  displayTemplate: Type.Union([Type.String(), Type.Null()]),
  cacheTtlSeconds: Type.Union([Type.Integer(), Type.Null()]),
  maxOptions: Type.Integer(),
  dependsOn: Type.Array(Type.String()),
  version: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Field = Static<typeof Field>;

export const FieldList = Type.Object({ fields: Type.Array(Field), nextCursor: Type.Union([Type.String(), Type.Null()]) });
export type FieldList = Static<typeof FieldList>;

/** `:id` of the runtime routes: the field's id or its key (`customfield_10050`). */
export const FieldRef = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

export const CacheClearResponse = Type.Object({ cleared: Type.Integer(), cacheGeneration: Type.Integer() });
export type CacheClearResponse = Static<typeof CacheClearResponse>;

export const OptionsRequest = Type.Object(
  {
    context: Type.Optional(RequestContext),
    input: Type.Optional(Type.String({ maxLength: 1000 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    cursor: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);
export type OptionsRequest = Static<typeof OptionsRequest>;

export const CacheState = Type.Union([Type.Literal('hit'), Type.Literal('miss'), Type.Literal('stale'), Type.Literal('off')]);
export const OptionsResponse = Type.Object({
  options: Type.Array(Option),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
  cache: CacheState,
});
export type OptionsResponse = Static<typeof OptionsResponse>;

export const RecalculateRequest = Type.Object(
  {
    context: Type.Optional(RequestContext),
    changed: Type.Array(Type.String({ maxLength: 200 }), { maxItems: 200 }),
  },
  { additionalProperties: false },
);
export type RecalculateRequest = Static<typeof RecalculateRequest>;

export const RecalculateResponse = Type.Object({
  fields: Type.Array(
    Type.Object({ id: Type.String(), key: Type.String(), options: Type.Array(Option), valueValid: Type.Boolean() }),
  ),
});
export type RecalculateResponse = Static<typeof RecalculateResponse>;
