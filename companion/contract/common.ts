// Shapes shared by the companion and the Forge app (contract v1, DESIGN.md). Written once here;
// `forge/` imports these and nothing else from `companion/`.
import { Type, type Static } from 'typebox';

/**
 * One problem of a refused request body, where it is: `path` is a JSON pointer into the body
 * (`/name`, `/attributes/owner`, `/set/3/projectId`), so a form can show `message` beside the input
 * it concerns. An extension of contract v1: `code` and `message` stay what they were.
 */
export const ErrorDetail = Type.Object({ path: Type.String(), message: Type.String() });
export type ErrorDetail = Static<typeof ErrorDetail>;

export const ErrorBody = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String(), details: Type.Optional(Type.Array(ErrorDetail)) }) },
);
export type ErrorBody = Static<typeof ErrorBody>;

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

export const Uuid = Type.String({ format: 'uuid' });
export const Timestamp = Type.String({ format: 'date-time' });

/** Cursor paging used by every list that pages. */
export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
});

/** One option as the edit UI shows it and as object fields store it. */
export const Option = Type.Object({ id: Type.String(), value: Type.String() });
export type Option = Static<typeof Option>;

/** The user a call is made for. The companion believes it only from the app's own functions (DESIGN.md "Who is calling"). */
const CallerUser = Type.Object({ accountId: Type.Optional(Type.String({ maxLength: 200 })) });

/**
 * The caller part of a context, on bodies that have no other: the app's resolvers put Forge's
 * `context.accountId` there on every admin change, so the audit can name the admin.
 */
export const CallerContext = Type.Object({ user: Type.Optional(CallerUser) }, { additionalProperties: false });
export const callerContextProperty = { context: Type.Optional(CallerContext) };

/** The issue and user an options request is computed for. Field values arrive keyed by field id. */
export const RequestContext = Type.Object({
  issue: Type.Optional(
    Type.Object({
      id: Type.Optional(Type.String({ maxLength: 100 })),
      key: Type.Optional(Type.String({ maxLength: 100 })),
      projectId: Type.Optional(Type.String({ maxLength: 100 })),
      projectKey: Type.Optional(Type.String({ maxLength: 100 })),
      issueTypeId: Type.Optional(Type.String({ maxLength: 100 })),
      fields: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.Unknown())),
    }),
  ),
  user: Type.Optional(CallerUser),
});
export type RequestContext = Static<typeof RequestContext>;
