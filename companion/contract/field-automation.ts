// Routes that Jira's own machinery reaches through the app's functions, not a person editing a form:
// Automation rule steps ("Set connected field", "Refresh connected fields"), the read-only field
// types' value function and the `connectedValue` JQL function. The companion computes; the Forge
// function writes to Jira (or hands Jira the value), so nothing here writes anywhere.
import { Type, type Static } from 'typebox';
import { Option, RequestContext } from './common';
import { Editor, Storage } from './field';

const FieldKey = Type.String({ pattern: '^customfield_[0-9]{1,12}$' });

/** A field's new value on an issue, in the shape Jira stores it (null: empty). */
export const FreshValue = Type.Object({
  id: Type.String(),
  key: Type.String(),
  editor: Editor,
  storage: Storage,
  value: Type.Unknown(),
  /** Whether `value` differs from the value the issue holds: only changed fields need writing. */
  changed: Type.Boolean(),
});
export type FreshValue = Static<typeof FreshValue>;

/**
 * POST /v1/fields/:id/resolve: a value picked by option id or by display text, checked against the
 * field's options for that issue (422 `value_not_an_option` otherwise), and the dependents' values
 * recomputed with it. Exactly one of `ids` and `texts`; several only for a multiselect.
 */
export const ResolveRequest = Type.Object(
  {
    context: Type.Optional(RequestContext),
    ids: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 500 }), { minItems: 1, maxItems: 100 })),
    texts: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 1000 }), { minItems: 1, maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type ResolveRequest = Static<typeof ResolveRequest>;

export const ResolveResponse = Type.Object({
  field: FreshValue,
  options: Type.Array(Option),
  /** Every connected field downstream of this one, in dependency order. */
  dependents: Type.Array(FreshValue),
});
export type ResolveResponse = Static<typeof ResolveResponse>;

/**
 * POST /v1/fields/refresh: the named fields (all the tenant's when `fields` is absent) and every field
 * downstream of them, recomputed from their datasources for one issue. Values missing from
 * `context.issue.fields` are read from the tenant's Jira (compute egress, naming only those fields).
 */
export const RefreshRequest = Type.Object(
  {
    context: RequestContext,
    fields: Type.Optional(Type.Array(FieldKey, { minItems: 1, maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type RefreshRequest = Static<typeof RefreshRequest>;

export const RefreshResponse = Type.Object({ fields: Type.Array(FreshValue) });
export type RefreshResponse = Static<typeof RefreshResponse>;

/** The most issues one value-function call is computed for (Jira batches issues; the function splits). */
export const MAX_VALUE_ISSUES = 50;

/** POST /v1/fields/:id/values: a read-only field's value for each issue, as the app (no user). */
export const ValuesRequest = Type.Object(
  {
    issues: Type.Array(
      Type.Object({ id: Type.String({ pattern: '^[0-9]{1,18}$' }), fields: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.Unknown())) }, { additionalProperties: false }),
      { minItems: 1, maxItems: MAX_VALUE_ISSUES },
    ),
  },
  { additionalProperties: false },
);
export type ValuesRequest = Static<typeof ValuesRequest>;

/** Per issue, in the request's order: `computed` false means "keep what Jira stores" (upstream down, out of time). */
export const ValuesResponse = Type.Object({
  values: Type.Array(Type.Object({ issueId: Type.String(), computed: Type.Boolean(), value: Type.Unknown() })),
});
export type ValuesResponse = Static<typeof ValuesResponse>;

/**
 * POST /v1/fields/:id/jql: the options matching a text as the field's editor would offer them, as the
 * app. A field offers at most its `maxOptions` (≤ 1,000), which is also Jira's limit on the values one
 * JQL function may return, so the answer always fits.
 */
export const JqlValuesRequest = Type.Object({ input: Type.String({ minLength: 1, maxLength: 1000 }) }, { additionalProperties: false });
export type JqlValuesRequest = Static<typeof JqlValuesRequest>;

export const JqlValuesResponse = Type.Object({
  storage: Storage,
  options: Type.Array(Option, { maxItems: 1000 }),
});
export type JqlValuesResponse = Static<typeof JqlValuesResponse>;
