// GET /v1/admin/egress: the seed's "what is stored where" table, live for one tenant.
import { Type, type Static } from 'typebox';

export const EGRESS_CATEGORIES = ['datasources', 'fields', 'items', 'mappings', 'itemValues', 'cache', 'installation', 'fieldValues'] as const;
export type EgressCategoryName = (typeof EGRESS_CATEGORIES)[number];

export const EgressCategory = Type.Object({
  name: Type.Unsafe<EgressCategoryName>({ type: 'string', enum: [...EGRESS_CATEGORIES] }),
  description: Type.String(),
  storedIn: Type.String(),
  computedIn: Type.String(),
  /** Records stored by the companion (including those awaiting purge); null where nothing is stored here. */
  count: Type.Union([Type.Integer(), Type.Null()]),
  retention: Type.String(),
  pendingPurge: Type.Array(Type.Object({ id: Type.String(), purgeAt: Type.String({ format: 'date-time' }) })),
  /** How many records await purge (the list above is capped). */
  pendingPurgeCount: Type.Integer(),
  /**
   * `cache` only: how many entries are past their TTL and kept as stale copies (served only while
   * their datasource fails), and the latest moment any entry, fresh or stale, may be kept until.
   */
  staleCopies: Type.Optional(Type.Object({ count: Type.Integer(), keptUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]) })),
});
export type EgressCategory = Static<typeof EgressCategory>;

export const EgressReport = Type.Object({
  generatedAt: Type.String({ format: 'date-time' }),
  /** Set once the app was uninstalled: everything of the tenant is purged then unless it is reinstalled. */
  tenantPurgeAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  categories: Type.Array(EgressCategory),
});
export type EgressReport = Static<typeof EgressReport>;
