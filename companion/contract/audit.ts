// GET /v1/admin/audit: configuration changes, newest first, paged with an opaque cursor.
import { Type, type Static } from 'typebox';

export const AuditEventView = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.Union([Type.String(), Type.Null()]),
  action: Type.String(),
  entityType: Type.String(),
  entityId: Type.Union([Type.String(), Type.Null()]),
  before: Type.Unknown(),
  after: Type.Unknown(),
});
export type AuditEventView = Static<typeof AuditEventView>;

export const AuditPage = Type.Object({ events: Type.Array(AuditEventView), nextCursor: Type.Union([Type.String(), Type.Null()]) });
export type AuditPage = Static<typeof AuditPage>;
