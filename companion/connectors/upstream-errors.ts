// Failures of the outside world, as the caller sees them: a clear 502/504/422 naming the
// datasource and the cause. Messages are built from codes and statuses only, never from the
// request (URLs may carry API keys, headers carry tokens), so no secret can reach them.
import { AppError } from '../errors.js';
import { EgressDeniedError } from '../egress/egress-policy.js';

export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
export const MAX_ROWS = 1_000;

export class UpstreamError extends AppError {
  override name = 'UpstreamError';
}

/** The name compute egress uses: it reads the tenant's Jira itself, not a datasource. */
export const TENANT_JIRA = '\u0000tenant-jira';
const label = (datasource: string) => (datasource === TENANT_JIRA ? 'Jira' : `Datasource "${datasource}"`);

export const upstreamTimeout = (datasource: string, ms: number) =>
  new UpstreamError(504, 'upstream_timeout', `${label(datasource)} did not answer within ${ms} ms`);

/**
 * The request's one deadline ran out while this upstream was being asked (companion/deadline.ts):
 * the same code as a timeout, and a message that says who was too slow, for the field UI.
 */
export const upstreamTooSlow = (datasource: string, budgetMs: number) =>
  new UpstreamError(504, 'upstream_timeout', `${label(datasource)} was too slow: no answer within the ${Math.round(budgetMs / 1000)} s a Jira request may take`);

export const upstreamTooLarge = (datasource: string) =>
  new UpstreamError(502, 'upstream_too_large', `${label(datasource)} answered with more than 5 MB; narrow the query`);

/** The upstream answered, and refused: `status` is its HTTP status. */
export class UpstreamStatusError extends UpstreamError {
  override name = 'UpstreamStatusError';
  constructor(
    message: string,
    readonly upstreamStatus: number,
  ) {
    super(502, 'upstream_error', message);
  }
}

export const upstreamStatus = (datasource: string, status: number) =>
  new UpstreamStatusError(`${label(datasource)} answered HTTP ${status}${status === 401 || status === 403 ? ' (check its credentials)' : ''}`, status);

/**
 * The upstream refused the credentials it was called with, or hid the resource from them (Jira
 * answers 404 for what a user may not see): for an answer fetched under one user's token, that user
 * no longer may see what was cached for them.
 */
export const refusedTheCaller = (error: unknown): boolean =>
  error instanceof UpstreamStatusError && (error.upstreamStatus === 401 || error.upstreamStatus === 403 || error.upstreamStatus === 404);

export const upstreamBadBody = (datasource: string, what: string) =>
  new UpstreamError(502, 'upstream_bad_response', `${label(datasource)} answered with ${what}`);

export const upstreamMisconfigured = (datasource: string, why: string) =>
  new UpstreamError(422, 'datasource_misconfigured', `${label(datasource)} is misconfigured: ${why}`);

/** Network-level errors by their code; the raw message may contain a URL, so it is not used. */
const NETWORK: Record<string, string> = {
  ENOTFOUND: 'its host name does not resolve (DNS)',
  EAI_AGAIN: 'its host name could not be resolved right now (DNS)',
  ECONNREFUSED: 'refused the connection',
  ECONNRESET: 'closed the connection unexpectedly',
  EHOSTUNREACH: 'is unreachable',
  ENETUNREACH: 'is unreachable',
  EPIPE: 'closed the connection unexpectedly',
  UND_ERR_SOCKET: 'closed the connection unexpectedly',
  UND_ERR_CLOSED: 'closed the connection unexpectedly',
  CERT_HAS_EXPIRED: 'presented an expired TLS certificate',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'presented a self-signed TLS certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'presented a self-signed TLS certificate chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'presented a TLS certificate that cannot be verified',
  ERR_TLS_CERT_ALTNAME_INVALID: 'presented a TLS certificate for another host name',
  EPROTO: 'failed the TLS handshake',
};

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'ABORT_ERR']);

/** Whether a raw error (undici, AbortSignal) is a timeout rather than another failure. */
export function isTimeoutError(err: unknown): boolean {
  const cause = err as { code?: string; name?: string; cause?: { code?: string } };
  return TIMEOUT_CODES.has(cause?.code ?? cause?.cause?.code ?? '') || cause?.name === 'TimeoutError' || cause?.name === 'AbortError';
}

/** Maps any error from a connector into an AppError; AppErrors (incl. egress refusals) pass through. */
export function toUpstreamError(datasource: string, err: unknown, timeoutMs: number): AppError {
  if (err instanceof AppError) return err;
  const cause = err as { code?: string; name?: string; cause?: { code?: string } };
  const code = cause?.code ?? cause?.cause?.code ?? '';
  if (cause?.cause instanceof EgressDeniedError) return cause.cause;
  if (isTimeoutError(err)) return upstreamTimeout(datasource, timeoutMs);
  const known = NETWORK[code];
  if (known) return new UpstreamError(502, 'upstream_error', `${label(datasource)} ${known}`, { cause: err });
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL')) {
    return new UpstreamError(502, 'upstream_error', `${label(datasource)} failed the TLS handshake (${code})`, { cause: err });
  }
  return new UpstreamError(502, 'upstream_error', `${label(datasource)} could not be reached${code ? ` (${code})` : ''}`, { cause: err });
}
