// /v1/admin/datasources: parse, call the service, answer. Response schemas list only public
// properties, so even a mistake in the service cannot put a secret on the wire.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorBody, IdParams, PageQuery } from '../contract/common.js';
import { Datasource, DatasourceInput, DatasourceList, DatasourceUpdate } from '../contract/datasource.js';
import { datasourceService } from './datasource-service.js';
import { assertConnectorConfig } from '../connectors/rest-headers.js';
import { actorOf } from '../auth/caller-identity.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody, 503: ErrorBody };

export async function datasourceRoutes(app: FastifyInstance) {
  const { db, secretBox, clock, pipeline } = app.companion;
  const service = datasourceService(db, secretBox, clock);

  app.get('/', { schema: { tags: ['datasources'], querystring: PageQuery, response: { 200: DatasourceList, ...errors } } }, async (request) => {
    const { limit = 50, cursor } = request.query as { limit?: number; cursor?: string };
    return service.list(request.tenantId, limit, cursor);
  });

  app.post('/', { schema: { tags: ['datasources'], body: DatasourceInput, response: { 201: Datasource, ...errors } } }, async (request, reply) => {
    assertConnectorConfig(request.body);
    reply.code(201);
    return service.create(actorOf(request), request.body as DatasourceInput);
  });

  app.get('/:id', { schema: { tags: ['datasources'], params: IdParams, response: { 200: Datasource, ...errors } } }, async (request) => {
    return service.get(request.tenantId, (request.params as { id: string }).id);
  });

  app.put(
    '/:id',
    { schema: { tags: ['datasources'], params: IdParams, body: DatasourceUpdate, response: { 200: Datasource, ...errors } } },
    async (request) => {
      assertConnectorConfig(request.body);
      const { id } = request.params as { id: string };
      const updated = await service.update(actorOf(request), id, request.body as DatasourceUpdate);
      // Pools and OAuth tokens were made for the old settings.
      await pipeline.release(id);
      return updated;
    },
  );

  app.delete('/:id', { schema: { tags: ['datasources'], params: IdParams, response: { 204: Type.Null(), ...errors } } }, async (request, reply) => {
    const { id } = request.params as { id: string };
    await service.remove(actorOf(request), id);
    await pipeline.release(id);
    return reply.code(204).send();
  });
}
