// POST /v1/admin/fields/:id/preview: the configuration tester. Computes exactly what the runtime
// computes (connectedOptions: stored connected-item values, parents read from Jira, the current
// user's profile), with the caller's overrides winning, never through the cache; and shows each
// step: the evaluated query, each reference with the value it bound, the raw rows, the options, the
// timings and the template check's warnings.
import type { FastifyInstance } from 'fastify';
import { ErrorBody, IdParams } from '../contract/common.js';
import { PreviewRequest, PreviewResponse } from '../contract/preview.js';
import { callerOf } from '../http/caller-context.js';
import { datasourceService } from '../datasources/datasource-service.js';
import { isUuid } from '../db/ids.js';
import { notFound } from '../errors.js';
import { connectedOptions } from './connected-options.js';
import { templateWarnings } from '../connected/template-vocabulary.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 422: ErrorBody, 502: ErrorBody, 503: ErrorBody, 504: ErrorBody };


export async function fieldPreviewRoutes(app: FastifyInstance) {
  const { db, secretBox, clock } = app.companion;
  const datasources = datasourceService(db, secretBox, clock);

  app.post(
    '/:id/preview',
    { schema: { tags: ['fields'], params: IdParams, body: PreviewRequest, response: { 200: PreviewResponse, ...errors } } },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const body = (request.body ?? {}) as PreviewRequest;
      const field = await db.field.findFirst({
        where: { tenantId: request.tenantId, deletedAt: null, ...(isUuid(id) ? { id } : { key: id }) },
      });
      if (!field) throw notFound('Field');
      // Refuses a datasource that is gone or of another tenant before anything runs.
      const datasource = await datasources.forUse(request.tenantId, field.datasourceId);
      const started = performance.now();
      const result = await connectedOptions(app.companion, {
        tenantId: request.tenantId,
        caller: callerOf(request, reply),
        config: field,
        context: body.context,
        input: body.input,
        overrides: body.overrides,
        cache: false,
        trace: true,
      });
      const { outcome, bindings } = result.trace!;
      return {
        field: { id: field.id, key: field.key },
        datasource: { id: datasource.row.id, name: datasource.row.name, type: datasource.row.type },
        evaluatedQuery: outcome.evaluatedQuery,
        rows: outcome.rows,
        rowCount: outcome.rows.length,
        options: result.options,
        bindings,
        warnings: await templateWarnings(db, request.tenantId, field),
        timings: { ...outcome.timings, totalMs: performance.now() - started },
      };
    },
  );
}
