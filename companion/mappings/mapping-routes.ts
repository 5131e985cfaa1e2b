// GET|PUT /v1/admin/mappings: one document per tenant, replaced whole with its version.
import type { FastifyInstance } from 'fastify';
import { ErrorBody } from '../contract/common.js';
import { MappingsDocument, MappingsUpdate } from '../contract/mapping.js';
import { mappingService } from './mapping-service.js';
import { actorOf } from '../auth/caller-identity.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody, 503: ErrorBody };

export async function mappingRoutes(app: FastifyInstance) {
  const service = mappingService(app.companion.db);

  app.get('/', { schema: { tags: ['mappings'], response: { 200: MappingsDocument, ...errors } } }, async (request) => service.read(request.tenantId));

  app.put('/', { schema: { tags: ['mappings'], body: MappingsUpdate, response: { 200: MappingsDocument, ...errors } } }, async (request) =>
    service.replace(actorOf(request), request.body as MappingsUpdate),
  );
}
