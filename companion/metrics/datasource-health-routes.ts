// GET /v1/admin/health: the recent health of the calling tenant's own datasources, for the admin
// page's chart. Only datasources of the token's tenant are listed, and only their meters are read.
import type { FastifyInstance } from 'fastify';
import { ErrorBody } from '../contract/common.js';
import { HealthReport } from '../contract/health.js';
import { datasourceRepository } from '../datasources/datasource-repository.js';
import { SLOTS, SLOT_MS } from './health-window.js';

/** The admin page charts every datasource of a tenant at once; more than this is not a chart. */
const MAX_DATASOURCES = 200;

export async function datasourceHealthRoutes(app: FastifyInstance) {
  const { db, metrics, clock } = app.companion;
  app.get(
    '/',
    { schema: { tags: ['health'], response: { 200: HealthReport, 401: ErrorBody, 403: ErrorBody, 503: ErrorBody } } },
    async (request): Promise<HealthReport> => {
      const rows = (await datasourceRepository(db).list(request.tenantId, MAX_DATASOURCES, undefined)).slice(0, MAX_DATASOURCES);
      const health = metrics.health(request.tenantId, rows.map((r) => r.id));
      return {
        generatedAt: clock.now().toISOString(),
        windowMinutes: (SLOTS * SLOT_MS) / 60_000,
        slotMinutes: SLOT_MS / 60_000,
        datasources: rows
          .map((r) => ({ id: r.id, name: r.name, type: r.type, ...health.get(r.id)! }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      };
    },
  );
}
