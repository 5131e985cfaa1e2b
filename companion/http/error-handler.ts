// The one place that maps errors to HTTP answers. Every answer has the shape
// {"error": {"code", "message"}}, plus `details` ([{path, message}]) when the problem is at a place
// of the request body; nothing internal (stack, SQL, cause) reaches a client.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorDetail } from '../contract/common.js';
import { AppError } from '../errors.js';
import { validationDetails } from './validation-details.js';
import { isDatabaseInputError, isDatabaseUnavailable, isTransactionTimeout, prismaRequestErrorStatus } from '../db/database-errors.js';

const frameworkCodes: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'payload_too_large', message: 'The request body is over 1 MB' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'unsupported_media_type', message: 'Send application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'bad_request', message: 'Invalid Content-Length' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'bad_request', message: 'The JSON body is empty' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: 'The body is not valid JSON' },
};

export function errorBody(code: string, message: string, details?: ErrorDetail[]) {
  return { error: { code, message, ...(details && details.length > 0 ? { details } : {}) } };
}

/** Errors the router raises before any route runs (Fastify's `frameworkErrors` option). */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply) {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return reply.code(414).send(errorBody('uri_too_long', 'A path parameter is longer than any id or key'));
  }
  return reply.code(400).send(errorBody('bad_url', 'The URL could not be read'));
}

/** True when a parsed value holds Infinity or NaN anywhere (JSON.parse('1e309') is Infinity). */
export function hasNonFiniteNumber(value: unknown, depth = 0): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (depth > 64 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) {
    for (const v of value) if (hasNonFiniteNumber(v, depth + 1)) return true;
    return false;
  }
  // for…in over own keys: no array of the values is made for each object walked.
  const record = value as Record<string, unknown>;
  for (const key in record) if (Object.hasOwn(record, key) && hasNonFiniteNumber(record[key], depth + 1)) return true;
  return false;
}

export function registerErrorHandling(app: FastifyInstance): void {
  // Ajv accepts Infinity as an integer within any maximum ("1e309" in a query or a JSON body), and
  // no route can use it: refuse it here, once, after validation and coercion. A callback hook, not
  // an async one: it runs on every request and has nothing to wait for.
  app.addHook('preHandler', (request, _reply, done) => {
    if (hasNonFiniteNumber(request.query) || hasNonFiniteNumber(request.params) || hasNonFiniteNumber(request.body)) {
      done(new AppError(400, 'validation_failed', 'Numbers must be finite'));
      return;
    }
    done();
  });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    reply.code(404).send(errorBody('not_found', `No route ${request.method} ${request.url.split('?')[0]}`));
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      if (error.statusCode >= 500) request.log.error({ err: error.cause ?? error, code: error.code }, error.message);
      return reply.code(error.statusCode).send(errorBody(error.code, error.message, error.details));
    }
    if (error.validation) {
      const where = error.validationContext ?? 'request';
      return reply.code(400).send(errorBody('validation_failed', `Invalid ${where}: ${error.message}`, validationDetails(error.validation)));
    }
    const known = error.code ? frameworkCodes[error.code] : undefined;
    if (known) return reply.code(known.status).send(errorBody(known.code, known.message ?? error.message));
    if (error instanceof SyntaxError || error.code?.startsWith('FST_ERR_CTP')) {
      return reply.code(400).send(errorBody('bad_request', 'The request body could not be read'));
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable');
      return reply.code(503).send(errorBody('database_unavailable', 'The database is unavailable; try again shortly'));
    }
    if (isTransactionTimeout(error)) {
      request.log.warn({ err: error, route: request.routeOptions.url }, 'transaction ran out of time');
      return reply
        .code(503)
        .header('retry-after', '5')
        .send(errorBody('database_busy', 'The database took too long to finish this change, so nothing was changed; try again shortly'));
    }
    if (isDatabaseInputError(error)) {
      request.log.warn({ err: error, route: request.routeOptions.url }, 'database refused a request value');
      return reply
        .code(400)
        .send(errorBody('invalid_value', 'A value in the request is too long, out of range or malformed'));
    }
    const prismaStatus = prismaRequestErrorStatus(error);
    if (prismaStatus === 409) return reply.code(409).send(errorBody('conflict', 'That conflicts with an existing record'));
    if (prismaStatus === 404) return reply.code(404).send(errorBody('not_found', 'Not found'));
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status < 500) return reply.code(status).send(errorBody('bad_request', error.message));
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send(errorBody('internal_error', 'Something went wrong on our side'));
  });
}
