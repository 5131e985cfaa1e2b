// Typed errors: a safe message for the client, the internal cause for the log. Mapped to HTTP in
// one place (http/error-handler.ts).
import type { ErrorDetail } from './contract/common.js';

export class AppError extends Error {
  /** Where in the request body the problem is (contract: `error.details`), for the admin's forms. */
  readonly details: ErrorDetail[] | undefined;

  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown; details?: ErrorDetail[] },
  ) {
    super(message, options);
    this.name = 'AppError';
    this.details = options?.details;
  }
}

/** A refusal about one place of the body: the message is also the detail shown beside that input. */
export const invalidAt = (status: 400 | 409 | 422, code: string, path: string, message: string, summary = message) =>
  new AppError(status, code, summary, { details: [{ path, message }] });

export const badRequest = (message: string, code = 'bad_request') => new AppError(400, code, message);
export const unauthorized = (message = 'A valid Forge invocation token is required') =>
  new AppError(401, 'unauthorized', message);
export const forbidden = (message: string) => new AppError(403, 'forbidden', message);
export const notFound = (what: string) => new AppError(404, 'not_found', `${what} not found`);
export const conflict = (message: string, code = 'conflict') => new AppError(409, code, message);
export const unprocessable = (message: string, code = 'unprocessable') => new AppError(422, code, message);
export const staleVersion = (what: string) =>
  new AppError(409, 'version_conflict', `${what} was changed by someone else; reload it and try again`);
export const databaseUnavailable = (cause?: unknown) =>
  new AppError(503, 'database_unavailable', 'The database is unavailable; try again shortly', { cause });
