// POST /v1/admin/fields/:id/preview: the configuration tester (DESIGN.md). Never uses the cache.
import { Type, type Static } from 'typebox';
import { Option, RequestContext } from './common';
import { TemplateWarning } from './connected-config';

export const PreviewRequest = Type.Object(
  {
    context: Type.Optional(RequestContext),
    input: Type.Optional(Type.String({ maxLength: 1000 })),
    /** Values of the fields the query depends on, winning over context.issue.fields. */
    overrides: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.Unknown(), { maxProperties: 200 })),
  },
  { additionalProperties: false },
);
export type PreviewRequest = Static<typeof PreviewRequest>;

export const PreviewTimings = Type.Object({
  renderMs: Type.Number(),
  sendMs: Type.Number(),
  waitMs: Type.Number(),
  parseMs: Type.Number(),
  mapMs: Type.Number(),
  totalMs: Type.Number(),
});

export const PreviewResponse = Type.Object({
  field: Type.Object({ id: Type.String(), key: Type.String() }),
  datasource: Type.Object({ id: Type.String(), name: Type.String(), type: Type.String() }),
  /** The query after rendering: for SQL the text with placeholders, the values in `params`. */
  evaluatedQuery: Type.Object({ text: Type.String(), params: Type.Array(Type.Unknown()) }),
  /** The selected rows as the upstream returned them (at most 1,000). */
  rows: Type.Array(Type.Unknown()),
  rowCount: Type.Integer(),
  options: Type.Array(Option),
  /** Each reference of the query (in order, once) and the value it bound; `resolved: false` when empty. */
  bindings: Type.Array(Type.Object({ line: Type.Integer(), reference: Type.String(), value: Type.Unknown(), resolved: Type.Boolean() })),
  /** The template check (TemplateWarning) of the field's templates. */
  warnings: Type.Array(TemplateWarning),
  timings: PreviewTimings,
});
export type PreviewResponse = Static<typeof PreviewResponse>;
