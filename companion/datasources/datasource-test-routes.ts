// POST /v1/admin/datasources/:id/test: can the companion reach this datasource with its settings?
// Answers 200 `{ok, ms, message}` whether it can or not; `ok` tells, `message` says why.
import type { FastifyInstance } from 'fastify';
import { ErrorBody, IdParams } from '../contract/common.js';
import { ConnectionTestResult } from '../contract/datasource.js';
import { callerOf } from '../http/caller-context.js';
import { datasourceService } from './datasource-service.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 503: ErrorBody };


export async function datasourceTestRoutes(app: FastifyInstance) {
  const { db, secretBox, clock, pipeline } = app.companion;
  const service = datasourceService(db, secretBox, clock);

  app.post(
    '/:id/test',
    { schema: { tags: ['datasources'], params: IdParams, response: { 200: ConnectionTestResult, ...errors } } },
    async (request, reply) => {
      const datasource = await service.forUse(request.tenantId, (request.params as { id: string }).id);
      return pipeline.test(datasource, callerOf(request, reply));
    },
  );
}
