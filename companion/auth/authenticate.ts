// onRequest hook for /v1: every route needs a verified Forge Invocation Token. Which kind of caller
// a route takes is caller-guards.ts; who the caller is, caller-identity.ts.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { unauthorized } from '../errors.js';
import type { Invocation, TokenVerifier } from './forge-token-verifier.js';
import type { TenantService } from '../tenants/tenant-service.js';
import type { ForgeOAuthTokens } from '../http/request-context.js';
import '../http/request-context.js';

const BEARER = /^Bearer\s+(\S+)$/i;

/** The token of an `Authorization: Bearer <token>` header, else undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return typeof authorization === 'string' ? BEARER.exec(authorization)?.[1] : undefined;
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
};

/** The tokens Forge Remote sends for calling the tenant's Jira. */
export const forgeTokensOf = (headers: IncomingHttpHeaders): ForgeOAuthTokens => ({
  user: header(headers, 'x-forge-oauth-user'),
  system: header(headers, 'x-forge-oauth-system'),
});

/**
 * A verification already started for this very request (by the hot path, http/hot-path.ts, which
 * then handed the request to Fastify): the hook takes its outcome instead of verifying again.
 */
const started = new WeakMap<IncomingMessage, Promise<Invocation>>();

export function handedOver(raw: IncomingMessage, verifying: Promise<Invocation>): void {
  started.set(raw, verifying);
}

export function authenticate(verifier: TokenVerifier, tenants: TenantService) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) throw unauthorized();
    request.invocation = await (started.get(request.raw) ?? verifier(token));
    request.forgeTokens = forgeTokensOf(request.headers);
    request.tenantId = await tenants.resolve(request.invocation);
  };
}
