// /v1/admin/mappings: one document per tenant. GET reads it whole (or one item's or project's
// mappings, in pages), PUT replaces it whole, PATCH changes one page of it; each against its version.
import type { FastifyInstance } from 'fastify';
import { ErrorBody } from '../contract/common.js';
import { MappingsDocument, MappingsPatch, MappingsPatchResult, MappingsQuery, MappingsUpdate } from '../contract/mapping.js';
import { mappingService } from './mapping-service.js';
import { actorOf } from '../auth/caller-identity.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody, 503: ErrorBody };

export async function mappingRoutes(app: FastifyInstance) {
  const service = mappingService(app.companion.db);

  app.get('/', { schema: { tags: ['mappings'], querystring: MappingsQuery, response: { 200: MappingsDocument, ...errors } } }, async (request) =>
    service.read(request.tenantId, request.query as MappingsQuery),
  );

  app.put('/', { schema: { tags: ['mappings'], body: MappingsUpdate, response: { 200: MappingsDocument, ...errors } } }, async (request) =>
    service.replace(actorOf(request), request.body as MappingsUpdate),
  );

  app.patch('/', { schema: { tags: ['mappings'], body: MappingsPatch, response: { 200: MappingsPatchResult, ...errors } } }, async (request) =>
    service.patch(actorOf(request), request.body as MappingsPatch),
  );
}
