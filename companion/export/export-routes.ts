// GET /v1/admin/export (support export) and POST /v1/admin/import (the same document, into this
// tenant). The response schema of the export lists only configuration properties: a secret or a
// value cannot ride along even if a row grew one.
import type { FastifyInstance } from 'fastify';
import { ErrorBody } from '../contract/common.js';
import { ExportDocument, ImportDocument, ImportQuery, ImportResult } from '../contract/support-export.js';
import { buildExport } from './export-service.js';
import { importService, type ImportMode } from './import-service.js';
import { runtimeCaches } from '../cache/runtime-caches.js';
import { actorOf } from '../auth/caller-identity.js';
import { dropFieldCopies } from '../fields/field-service.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 409: ErrorBody, 413: ErrorBody, 422: ErrorBody, 503: ErrorBody };

export async function exportRoutes(app: FastifyInstance) {
  const { db, clock, secretBox } = app.companion;
  const importer = importService(db, secretBox);

  app.get('/export', { schema: { tags: ['export'], response: { 200: ExportDocument, ...errors } } }, async (request, reply) => {
    const doc = await buildExport(db, request.tenantId, clock.now());
    reply.header('content-disposition', `attachment; filename="open-connect-export-${doc.exportedAt.slice(0, 10)}.json"`);
    return doc;
  });

  app.post('/import', { schema: { tags: ['export'], querystring: ImportQuery, body: ImportDocument, response: { 200: ImportResult, ...errors } } }, async (request) => {
    const { mode = 'create' } = request.query as { mode?: ImportMode };
    const { replacedDatasourceIds, replacedFieldIds, ...result } = await importer.importDocument(
      actorOf(request),
      request.body as ExportDocument,
      mode,
    );
    // Replaced datasources: drop this instance's pooled connections and in-process copies, as
    // their own PUT route does (other instances see the change sequence move).
    for (const id of replacedDatasourceIds) {
      await app.companion.pipeline.release(id);
      runtimeCaches(app.companion, app.log).forgetDatasource(request.tenantId, id);
    }
    // Replaced fields likewise, as a field's PUT does: the next options request reads the new one.
    for (const id of replacedFieldIds) await dropFieldCopies(app.companion, request.tenantId, id);
    return result;
  });
}
