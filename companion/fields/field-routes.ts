// /v1/admin/fields: parse, call the service, answer (create 201, list {fields, nextCursor}, PUT with
// the version read, DELETE 204).
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorBody, IdParams, PageQuery } from '../contract/common.js';
import { Field, FieldInput, FieldList, FieldUpdate } from '../contract/field.js';
import { fieldService } from './field-service.js';
import { actorOf } from '../auth/caller-identity.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody, 503: ErrorBody };

export async function fieldRoutes(app: FastifyInstance) {
  const service = fieldService(app.companion);
  const idOf = (r: { params: unknown }) => (r.params as { id: string }).id;

  app.get('/', { schema: { tags: ['fields'], querystring: PageQuery, response: { 200: FieldList, ...errors } } }, async (request) => {
    const { limit = 50, cursor } = request.query as { limit?: number; cursor?: string };
    return service.list(request.tenantId, limit, cursor);
  });

  app.post('/', { schema: { tags: ['fields'], body: FieldInput, response: { 201: Field, ...errors } } }, async (request, reply) => {
    const created = await service.create(actorOf(request), request.body as FieldInput);
    return reply.code(201).send(created);
  });

  app.get('/:id', { schema: { tags: ['fields'], params: IdParams, response: { 200: Field, ...errors } } }, async (request) =>
    service.get(request.tenantId, idOf(request)),
  );

  app.put('/:id', { schema: { tags: ['fields'], params: IdParams, body: FieldUpdate, response: { 200: Field, ...errors } } }, async (request) =>
    service.update(actorOf(request), idOf(request), request.body as FieldUpdate),
  );

  app.delete('/:id', { schema: { tags: ['fields'], params: IdParams, response: { 204: Type.Null(), ...errors } } }, async (request, reply) => {
    await service.remove(actorOf(request), idOf(request));
    return reply.code(204).send();
  });
}
