// /v1/admin/items: connected item configurations. Thin: parse, call the service, answer.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorBody, IdParams, PageQuery } from '../contract/common.js';
import { Item, ItemInput, ItemList, ItemUpdate } from '../contract/item.js';
import { itemService } from './item-service.js';
import { actorOf } from '../auth/caller-identity.js';
import { badRequest } from '../errors.js';
import { runtimeCaches } from '../cache/runtime-caches.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody, 503: ErrorBody };

export async function itemRoutes(app: FastifyInstance) {
  const caches = runtimeCaches(app.companion, app.log);
  const service = itemService(app.companion.db, app.companion.clock, (tenantId, itemId) => caches.options.dropConfig(tenantId, itemId));
  const id = (r: { params: unknown }) => (r.params as { id: string }).id;

  app.get('/', { schema: { tags: ['items'], querystring: PageQuery, response: { 200: ItemList, ...errors } } }, async (request) => {
    const { limit = 50, cursor } = request.query as { limit?: number; cursor?: string };
    // Ajv's number coercion lets `1e309` (Infinity) through the integer check; refuse it here.
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 200) throw badRequest('limit must be an integer from 1 to 200', 'validation_failed');
    return service.list(request.tenantId, limit, cursor);
  });

  app.post('/', { schema: { tags: ['items'], body: ItemInput, response: { 201: Item, ...errors } } }, async (request, reply) => {
    reply.code(201);
    return service.create(actorOf(request), request.body as ItemInput);
  });

  app.get('/:id', { schema: { tags: ['items'], params: IdParams, response: { 200: Item, ...errors } } }, async (request) => service.get(request.tenantId, id(request)));

  app.put('/:id', { schema: { tags: ['items'], params: IdParams, body: ItemUpdate, response: { 200: Item, ...errors } } }, async (request) =>
    service.update(actorOf(request), id(request), request.body as ItemUpdate),
  );

  app.delete('/:id', { schema: { tags: ['items'], params: IdParams, response: { 204: Type.Null(), ...errors } } }, async (request, reply) => {
    await service.remove(actorOf(request), id(request));
    return reply.code(204).send();
  });
}
