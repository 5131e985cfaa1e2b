// POST /v1/admin/datasources/:id/cache/clear: drops every cached response of one datasource, in this
// instance and in Postgres, and bumps its generation (and so the tenant's change sequence): other
// instances' in-process entries stop matching on their next request (config-snapshots.ts).
import type { FastifyInstance } from 'fastify';
import { ErrorBody, IdParams } from '../contract/common.js';
import { CacheClearResponse } from '../contract/field.js';
import { notFound } from '../errors.js';
import { recordAudit } from '../audit/record-audit.js';
import { runtimeCaches } from './runtime-caches.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 503: ErrorBody };

export async function cacheClearRoutes(app: FastifyInstance) {
  const caches = runtimeCaches(app.companion, app.log);
  app.post(
    '/:id/cache/clear',
    { schema: { tags: ['datasources'], params: IdParams, response: { 200: CacheClearResponse, ...errors } } },
    async (request) => {
      const { id } = request.params as { id: string };
      const result = await caches.options.clearDatasource(request.tenantId, id);
      if (!result) throw notFound('Datasource');
      caches.forgetDatasource(request.tenantId, id);
      await recordAudit(app.companion.db, {
        tenantId: request.tenantId,
        actor: request.caller.accountId ?? null,
        action: 'datasource.cache_cleared',
        entityType: 'datasource',
        entityId: id,
        before: null,
        after: result,
      });
      return result;
    },
  );
}
