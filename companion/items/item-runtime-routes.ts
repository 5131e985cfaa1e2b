// The routes the issue panel / portal resolvers call: GET|PUT|DELETE /v1/issues/:issueId/items and
// POST /v1/items/:id/options. The resolver checks Jira's permissions for the user before it calls
// (EDIT_ISSUES to write or list options), so these take the app's own functions (and the admin
// page), never a UI module's own token, which would skip that check.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ErrorBody } from '../contract/common.js';
import { OptionsRequest, OptionsResponse } from '../contract/field.js';
import { IssueIdParams, IssueItems, IssueItemsUpdate } from '../contract/item.js';
import { callerOf } from '../http/caller-context.js';
import { badRequest, notFound } from '../errors.js';
import { requireAppFunctionOrAdmin, requireIssueEventsOrAdmin } from '../auth/caller-guards.js';
import { filterByInput, pageOf } from '../fields/option-paging.js';
import { itemRepository } from './item-repository.js';
import { itemOptions } from './item-options.js';
import { itemValueService } from './item-value-service.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 422: ErrorBody, 502: ErrorBody, 503: ErrorBody, 504: ErrorBody };

const issueIdOf = (request: FastifyRequest) => (request.params as { issueId: string }).issueId;

export async function itemRuntimeRoutes(app: FastifyInstance) {
  const { companion } = app;
  const values = itemValueService(companion);
  const viaResolver = requireAppFunctionOrAdmin(companion.config);

  app.get('/issues/:issueId/items', { onRequest: viaResolver, schema: { tags: ['items'], params: IssueIdParams, response: { 200: IssueItems, ...errors } } }, async (request) =>
    values.read(request.tenantId, issueIdOf(request)),
  );

  app.put(
    '/issues/:issueId/items',
    { onRequest: viaResolver, schema: { tags: ['items'], params: IssueIdParams, body: IssueItemsUpdate, response: { 200: IssueItems, ...errors } } },
    async (request, reply) => values.write(callerOf(request, reply), issueIdOf(request), request.body as IssueItemsUpdate),
  );

  // The issue was deleted: the app's issue-deleted trigger endpoint or the admin page. Neither a
  // user's UI call nor a resolver may drop an issue's values.
  app.delete(
    '/issues/:issueId/items',
    {
      onRequest: requireIssueEventsOrAdmin(companion.config),
      schema: { tags: ['items'], params: IssueIdParams, response: { 200: Type.Object({ deleted: Type.Integer() }), ...errors } },
    },
    async (request) => ({ deleted: await values.issueDeleted(request.tenantId, issueIdOf(request)) }),
  );

  app.post(
    '/items/:id/options',
    { onRequest: viaResolver, schema: { tags: ['items'], params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }), body: OptionsRequest, response: { 200: OptionsResponse, ...errors } } },
    async (request, reply) => {
      const body = (request.body ?? {}) as OptionsRequest;
      const item = await itemRepository(companion.db).findByIdOrKey(request.tenantId, (request.params as { id: string }).id);
      if (!item) throw notFound('Item');
      const offset = body.cursor === undefined ? 0 : Number(body.cursor);
      if (!Number.isInteger(offset) || offset < 0) throw badRequest('cursor is not one this route gave out', 'invalid_cursor');
      const result = await itemOptions(companion, request.tenantId, callerOf(request, reply), item, body.context, body.input);
      const { options, nextCursor } = pageOf(filterByInput(result.options, item.query, body.input), offset, body.limit);
      return { options, nextCursor, cache: result.cache };
    },
  );
}
