// The routes the edit UI calls while an issue is edited (any module's token, not only admin):
// POST /v1/fields/:id/options and POST /v1/fields/recalculate.
import type { FastifyInstance } from 'fastify';
import { ErrorBody } from '../contract/common.js';
import { FieldRef, OptionsRequest, OptionsResponse, RecalculateRequest, RecalculateResponse } from '../contract/field.js';
import { callerOf } from '../http/caller-context.js';
import { badRequest, notFound } from '../errors.js';
import { runtimeCaches } from '../cache/runtime-caches.js';
import { connectedOptions } from './connected-options.js';
import { fieldSnapshots } from './field-snapshots.js';
import { recalculate } from './field-recalculation.js';
import { answerPage, handedResolution, hitBytes } from './options-hit.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 404: ErrorBody, 422: ErrorBody, 502: ErrorBody, 503: ErrorBody, 504: ErrorBody };

export async function fieldRuntimeRoutes(app: FastifyInstance) {
  const { companion } = app;
  const caches = runtimeCaches(companion, app.log);
  // Shared-layer writes are not awaited by requests; let them land before the database closes.
  app.addHook('onClose', async () => caches.options.settled());
  const fields = fieldSnapshots(companion);

  app.post(
    '/:id/options',
    { schema: { tags: ['fields'], params: FieldRef, body: OptionsRequest, response: { 200: OptionsResponse, ...errors } } },
    async (request, reply) => {
      const body = (request.body ?? {}) as OptionsRequest;
      // Resolved by the hot path already (it failed): its outcome, not a second resolution.
      const handed = handedResolution(request.raw);
      const caller = callerOf(request, reply);
      const field = handed ? handed.field : await fields.get(request.tenantId, (request.params as { id: string }).id, caller.deadline.startedAt);
      if (!field) throw notFound('Field');
      const offset = body.cursor === undefined ? 0 : Number(body.cursor);
      if (!Number.isInteger(offset) || offset < 0) throw badRequest('cursor is not one this route gave out', 'invalid_cursor');
      const result = await (handed?.resolving ??
        connectedOptions(companion, {
          tenantId: request.tenantId,
          caller,
          config: field,
          context: body.context,
          input: body.input,
          cache: true,
        }));
      const { answer, whole } = answerPage(result, field, body, offset);
      if (!whole) return answer;
      // A whole list from memory: its bytes, made once (options-hit.ts).
      const bytes = hitBytes(answer.options, () => reply.serialize(answer) as string);
      return reply.type('application/json; charset=utf-8').send(bytes);
    },
  );

  app.post(
    '/recalculate',
    { schema: { tags: ['fields'], body: RecalculateRequest, response: { 200: RecalculateResponse, ...errors } } },
    async (request, reply) => {
      const body = request.body as RecalculateRequest;
      return recalculate(companion, request.tenantId, callerOf(request, reply), body.context, body.changed);
    },
  );
}
