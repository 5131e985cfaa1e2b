// Routes for the app's functions that act without a person at a form (contract: field-automation.ts):
// Automation rule steps, the read-only types' value function and the `connectedValue` JQL function.
// Only the app's own functions (or the admin page) may call them: each answer is computed with the
// app's credentials where no user is named, and a UI module's own token must not reach that.
// Nothing here writes: the Forge function writes to Jira with the token its module calls for.
import type { FastifyInstance } from 'fastify';
import { ErrorBody } from '../contract/common.js';
import { FieldRef } from '../contract/field.js';
import {
  JqlValuesRequest, JqlValuesResponse, RefreshRequest, RefreshResponse, ResolveRequest, ResolveResponse, ValuesRequest, ValuesResponse,
} from '../contract/field-automation.js';
import { requireAppFunctionOrAdmin } from '../auth/caller-guards.js';
import { callerOf } from '../http/caller-context.js';
import { AppError, badRequest, notFound } from '../errors.js';
import { connectedOptions } from './connected-options.js';
import { fieldSnapshots } from './field-snapshots.js';
import { filterByInput } from './option-paging.js';
import { freshValue, pickOptions, storedShape } from './fresh-values.js';
import { refreshFields } from './field-refresh.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 422: ErrorBody, 502: ErrorBody, 503: ErrorBody, 504: ErrorBody };
/** How many issues of one value-function batch are computed at the same time. */
const VALUE_CONCURRENCY = 4;

export async function fieldAutomationRoutes(app: FastifyInstance) {
  const { companion } = app;
  const fields = fieldSnapshots(companion);
  app.addHook('onRequest', requireAppFunctionOrAdmin(companion.config));
  const fieldOf = async (tenantId: string, request: { params: unknown }) => {
    const field = await fields.get(tenantId, (request.params as { id: string }).id);
    if (!field) throw notFound('Field');
    return field;
  };

  app.post('/:id/resolve', { schema: { tags: ['fields'], params: FieldRef, body: ResolveRequest, response: { 200: ResolveResponse, ...errors } } }, async (request, reply) => {
    const body = request.body as ResolveRequest;
    if ((body.ids === undefined) === (body.texts === undefined)) throw badRequest('Give the value by ids or by texts, not both or neither');
    const field = await fieldOf(request.tenantId, request);
    const caller = callerOf(request, reply);
    // A query that filters on what is typed gets the text to find, as the editor's search would.
    const input = body.texts?.length === 1 ? body.texts[0] : undefined;
    const { options } = await connectedOptions(companion, { tenantId: request.tenantId, caller, config: field, context: body.context, input, cache: true });
    const { chosen, problems } = pickOptions(field, options, body);
    if (problems.length > 0) {
      throw new AppError(422, 'value_not_an_option', `${problems[0]!.message}; nothing was changed`, { details: problems });
    }
    const value = storedShape(field, chosen);
    const current = body.context?.issue?.fields?.[field.key];
    const picked = { id: field.id, key: field.key, editor: field.editor, storage: field.storage, value, changed: JSON.stringify(current ?? null) !== JSON.stringify(value) };
    const context = { ...body.context, issue: { ...body.context?.issue, fields: { ...body.context?.issue?.fields, [field.key]: value } } };
    const dependents = await refreshFields(companion, request.tenantId, caller, context, { downstreamOf: [field.key] });
    return { field: picked, options: chosen, dependents };
  });

  app.post('/refresh', { schema: { tags: ['fields'], body: RefreshRequest, response: { 200: RefreshResponse, ...errors } } }, async (request, reply) => {
    const body = request.body as RefreshRequest;
    return { fields: await refreshFields(companion, request.tenantId, callerOf(request, reply), body.context, { fields: body.fields }) };
  });

  app.post('/:id/values', { schema: { tags: ['fields'], params: FieldRef, body: ValuesRequest, response: { 200: ValuesResponse, ...errors } } }, async (request, reply) => {
    const field = await fieldOf(request.tenantId, request);
    const caller = callerOf(request, reply);
    const { issues } = request.body as ValuesRequest;
    const values = issues.map((i) => ({ issueId: i.id, computed: false, value: null as unknown }));
    // Only read-only fields are computed: any other's value is what a person picked.
    if (field.editor !== 'readonly') return { values };
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < issues.length; i = next++) {
        // Out of time: the rest keep what Jira stores rather than the whole batch failing.
        if (caller.deadline.expired()) return;
        const issue = issues[i]!;
        try {
          const { options } = await connectedOptions(companion, { tenantId: request.tenantId, caller, config: field, context: { issue: { id: issue.id, fields: issue.fields ?? {} } }, cache: true });
          values[i] = { issueId: issue.id, computed: true, value: freshValue(field, null, options).value };
        } catch (error) {
          request.log.warn({ err: error, fieldId: field.id }, 'read-only value not computed; the stored one stays');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(VALUE_CONCURRENCY, issues.length) }, worker));
    return { values };
  });

  app.post('/:id/jql', { schema: { tags: ['fields'], params: FieldRef, body: JqlValuesRequest, response: { 200: JqlValuesResponse, ...errors } } }, async (request, reply) => {
    const field = await fieldOf(request.tenantId, request);
    const { input } = request.body as JqlValuesRequest;
    const { options } = await connectedOptions(companion, { tenantId: request.tenantId, caller: callerOf(request, reply), config: field, input, cache: true });
    return { storage: field.storage as 'object' | 'snapshot', options: filterByInput(options, field.query, input) };
  });
}
