import { Type, type Static } from 'typebox';
import { callerContextProperty, Option, RequestContext } from './common';
import { connectedConfigInput, connectedConfigView, Version } from './connected-config';

export const Editor = Type.Union([
  Type.Literal('select'),
  Type.Literal('multiselect'),
  Type.Literal('autocomplete'),
  Type.Literal('readonly'),
]);
export type Editor = Static<typeof Editor>;
export const Storage = Type.Union([Type.Literal('snapshot'), Type.Literal('object')]);
export type Storage = Static<typeof Storage>;

const FieldKey = Type.String({ pattern: '^customfield_[0-9]{1,12}$' });

export const FieldInput = Type.Object(
  { key: FieldKey, editor: Editor, storage: Storage, ...connectedConfigInput, ...callerContextProperty },
  { additionalProperties: false },
);
export type FieldInput = Static<typeof FieldInput>;

export const FieldUpdate = Type.Object({ ...FieldInput.properties, version: Version }, { additionalProperties: false });
export type FieldUpdate = Static<typeof FieldUpdate>;

export const Field = Type.Object({ ...connectedConfigView, editor: Editor, storage: Storage });
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
