// GET /v1/admin/egress: the live egress report, shown on the admin page.
import type { FastifyInstance } from 'fastify';
import { ErrorBody } from '../contract/common.js';
import { EgressReport } from '../contract/egress-report.js';
import { egressReport } from './egress-report.js';

export async function egressRoutes(app: FastifyInstance) {
  app.get('/', { schema: { tags: ['egress'], response: { 200: EgressReport, 401: ErrorBody, 403: ErrorBody, 503: ErrorBody } } }, async (request) =>
    egressReport(app.companion.db, request.tenantId, app.companion.clock.now()),
  );
}
