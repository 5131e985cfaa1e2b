// GET /v1/admin/health: each of the tenant's datasources' recent health, as this companion instance
// saw it (the last hour in 5-minute slots): upstream calls, errors, p95 latency, cache outcomes.
import { Type, type Static } from 'typebox';

const Count = Type.Integer({ minimum: 0 });

export const HealthSlotView = Type.Object({
  start: Type.String({ format: 'date-time' }),
  calls: Count,
  errors: Count,
  hits: Count,
  misses: Count,
  stale: Count,
});
export type HealthSlotView = Static<typeof HealthSlotView>;

export const DatasourceHealthView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: Type.String(),
  calls: Count,
  errors: Count,
  /** 95th percentile of upstream call time in ms; null when there were no calls. */
  p95Ms: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  hits: Count,
  misses: Count,
  stale: Count,
  /** Fresh cache answers among all lookups, 0..1; null when nothing was looked up. */
  hitRatio: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]),
  slots: Type.Array(HealthSlotView),
});
export type DatasourceHealthView = Static<typeof DatasourceHealthView>;

export const HealthReport = Type.Object({
  generatedAt: Type.String({ format: 'date-time' }),
  windowMinutes: Type.Integer(),
  slotMinutes: Type.Integer(),
  datasources: Type.Array(DatasourceHealthView),
});
export type HealthReport = Static<typeof HealthReport>;
