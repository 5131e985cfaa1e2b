// POST /v1/admin/fields/:id/preview: the configuration tester. Runs the field's query for a given
// issue context, typed input and dependency values, straight through the pipeline (never the
// cache), and shows each step: the evaluated query, the raw rows, the options and the timings.
import type { FastifyInstance } from 'fastify';
import { ErrorBody, IdParams } from '../contract/common.js';
import { PreviewRequest, PreviewResponse } from '../contract/preview.js';
import { callerOf } from '../http/caller-context.js';
import { datasourceService } from '../datasources/datasource-service.js';
import { isUuid } from '../db/ids.js';
import { notFound } from '../errors.js';
import { buildTemplateVariables } from '../templates/template-variables.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 422: ErrorBody, 502: ErrorBody, 503: ErrorBody, 504: ErrorBody };


export async function fieldPreviewRoutes(app: FastifyInstance) {
  const { db, secretBox, clock, pipeline } = app.companion;
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
      const datasource = await datasources.forUse(request.tenantId, field.datasourceId);
      const vars = buildTemplateVariables(body.context, body.input, body.overrides ?? {});
      const started = performance.now();
      const outcome = await pipeline.run(
        datasource,
        { query: field.query, resultPath: field.resultPath, idTemplate: field.idTemplate, displayTemplate: field.displayTemplate, maxRows: 1_000 },
        vars,
        callerOf(request, reply),
      );
      return {
        field: { id: field.id, key: field.key },
        datasource: { id: datasource.row.id, name: datasource.row.name, type: datasource.row.type },
        evaluatedQuery: outcome.evaluatedQuery,
        rows: outcome.rows,
        rowCount: outcome.rows.length,
        options: outcome.options,
        timings: { ...outcome.timings, totalMs: performance.now() - started },
      };
    },
  );
}
