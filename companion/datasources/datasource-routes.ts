// /v1/admin/datasources: parse, call the service, answer. Response schemas list only public
// properties, so even a mistake in the service cannot put a secret on the wire.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorBody, IdParams, PageQuery } from '../contract/common.js';
import { Datasource, DatasourceInput, DatasourceList, DatasourceUpdate } from '../contract/datasource.js';
import { datasourceService } from './datasource-service.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 503: ErrorBody };

export async function datasourceRoutes(app: FastifyInstance) {
  const { db, secretBox, clock } = app.companion;
  const service = datasourceService(db, secretBox, clock);
  const actor = (r: { tenantId: string; invocation: { principal: string | undefined } }) => ({
    tenantId: r.tenantId,
    accountId: r.invocation.principal ?? null,
  });

  app.get('/', { schema: { tags: ['datasources'], querystring: PageQuery, response: { 200: DatasourceList, ...errors } } }, async (request) => {
    const { limit = 50, cursor } = request.query as { limit?: number; cursor?: string };
    return service.list(request.tenantId, limit, cursor);
  });

  app.post('/', { schema: { tags: ['datasources'], body: DatasourceInput, response: { 201: Datasource, ...errors } } }, async (request, reply) => {
    reply.code(201);
    return service.create(actor(request), request.body as DatasourceInput);
  });

  app.get('/:id', { schema: { tags: ['datasources'], params: IdParams, response: { 200: Datasource, ...errors } } }, async (request) => {
    return service.get(request.tenantId, (request.params as { id: string }).id);
  });

  app.put(
    '/:id',
    { schema: { tags: ['datasources'], params: IdParams, body: DatasourceUpdate, response: { 200: Datasource, ...errors } } },
    async (request) => service.update(actor(request), (request.params as { id: string }).id, request.body as DatasourceUpdate),
  );

  app.delete('/:id', { schema: { tags: ['datasources'], params: IdParams, response: { 204: Type.Null(), ...errors } } }, async (request, reply) => {
    await service.remove(actor(request), (request.params as { id: string }).id);
    return reply.code(204).send();
  });
}
