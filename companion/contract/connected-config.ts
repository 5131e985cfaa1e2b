// What connected fields and connected items share (DESIGN.md: an item body is "like a field"): the
// query settings on the way in, and the configuration view on the way out.
import { Type, type Static } from 'typebox';
import { Timestamp } from './common';

export const Template = Type.String({ maxLength: 10000 });
export const nullableString = (maxLength: number) => Type.Unsafe<string | null>({ type: ['string', 'null'], maxLength });
export const nullableInteger = (minimum: number, maximum: number) => Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum, maximum });
/** The `version` a PUT carries; the column is a Postgres integer. */
export const Version = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });

/** Body properties after `key` and `editor`. `cacheTtlSeconds: null` means "the datasource's TTL". */
export const connectedConfigInput = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  datasourceId: Type.String({ format: 'uuid' }),
  query: Type.Optional(Template),
  resultPath: Type.Optional(nullableString(1000)),
  idTemplate: Type.Optional(nullableString(10000)),
  displayTemplate: Type.Optional(nullableString(10000)),
  cacheTtlSeconds: Type.Optional(nullableInteger(0, 86400)),
  maxOptions: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
};

/**
 * A reference of a template that cannot resolve, or an Elements Connect construct open-connect does
 * not support (issue 11): on create/update answers and in the tester. Never a refusal.
 */
export const TemplateWarning = Type.Object({
  template: Type.String(),
  line: Type.Integer(),
  reference: Type.String(),
  message: Type.String(),
});
export type TemplateWarning = Static<typeof TemplateWarning>;

/** The stored configuration as answered, apart from `editor` (and a field's `storage`, an item's `attributes`). */
export const connectedConfigView = {
  id: Type.String(),
  key: Type.String(),
  name: Type.String(),
  datasourceId: Type.String(),
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
  /** Only on create and update answers: what the template check found (TemplateWarning). */
  warnings: Type.Optional(Type.Array(TemplateWarning)),
};
