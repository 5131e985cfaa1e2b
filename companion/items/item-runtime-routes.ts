// The routes the issue panel / portal call (any module's token, not only admin):
// GET|PUT|DELETE /v1/issues/:issueId/items and POST /v1/items/:id/options.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ErrorBody } from '../contract/common.js';
import { OptionsRequest, OptionsResponse } from '../contract/field.js';
import { IssueIdParams, IssueItems, IssueItemsUpdate } from '../contract/item.js';
import type { CallerContext } from '../connectors/query-pipeline-types.js';
import { badRequest, forbidden, notFound } from '../errors.js';
import { filterByInput, pageOf } from '../fields/option-paging.js';
import { itemRepository } from './item-repository.js';
import { itemOptions } from './item-options.js';
import { itemValueService } from './item-value-service.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 422: ErrorBody, 502: ErrorBody, 503: ErrorBody, 504: ErrorBody };

const callerOf = (request: FastifyRequest): CallerContext => ({
  tenantId: request.tenantId,
  apiBaseUrl: request.invocation.apiBaseUrl,
  forgeTokens: request.forgeTokens,
});
const issueIdOf = (request: FastifyRequest) => (request.params as { issueId: string }).issueId;

export async function itemRuntimeRoutes(app: FastifyInstance) {
  const { companion } = app;
  const values = itemValueService(companion);

  app.get('/issues/:issueId/items', { schema: { tags: ['items'], params: IssueIdParams, response: { 200: IssueItems, ...errors } } }, async (request) =>
    values.read(request.tenantId, issueIdOf(request)),
  );

  app.put(
    '/issues/:issueId/items',
    { schema: { tags: ['items'], params: IssueIdParams, body: IssueItemsUpdate, response: { 200: IssueItems, ...errors } } },
    async (request) => values.write(callerOf(request), issueIdOf(request), request.body as IssueItemsUpdate),
  );

  // The issue was deleted: called by the app's issue-deleted trigger (an app invocation: no user
  // principal) or by the admin page. A user's UI call may not drop an issue's values.
  app.delete(
    '/issues/:issueId/items',
    { schema: { tags: ['items'], params: IssueIdParams, response: { 200: Type.Object({ deleted: Type.Integer() }), 403: ErrorBody, ...errors } } },
    async (request) => {
      const { principal, moduleKey } = request.invocation;
      if (principal && !(moduleKey && companion.config.adminModuleKeys.has(moduleKey))) {
        throw forbidden('Only the app (its issue-deleted trigger) or the admin page may drop an issue\'s values');
      }
      return { deleted: await values.issueDeleted(request.tenantId, issueIdOf(request)) };
    },
  );

  app.post(
    '/items/:id/options',
    { schema: { tags: ['items'], params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }), body: OptionsRequest, response: { 200: OptionsResponse, ...errors } } },
    async (request) => {
      const body = (request.body ?? {}) as OptionsRequest;
      const item = await itemRepository(companion.db).findByIdOrKey(request.tenantId, (request.params as { id: string }).id);
      if (!item) throw notFound('Item');
      const offset = body.cursor === undefined ? 0 : Number(body.cursor);
      if (!Number.isInteger(offset) || offset < 0) throw badRequest('cursor is not one this route gave out', 'invalid_cursor');
      const result = await itemOptions(companion, request.tenantId, callerOf(request), item, body.context, body.input);
      const { options, nextCursor } = pageOf(filterByInput(result.options, item.query, body.input), offset, body.limit);
      return { options, nextCursor, cache: result.cache };
    },
  );
}
