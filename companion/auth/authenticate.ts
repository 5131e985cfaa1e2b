// onRequest hook for /v1: every route needs a verified Forge Invocation Token. Which kind of caller
// a route takes is caller-guards.ts; who the caller is, caller-identity.ts.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { unauthorized } from '../errors.js';
import type { TokenVerifier } from './forge-token-verifier.js';
import type { TenantService } from '../tenants/tenant-service.js';
import '../http/request-context.js';

const header = (request: FastifyRequest, name: string): string | undefined => {
  const v = request.headers[name];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
};

export function authenticate(verifier: TokenVerifier, tenants: TenantService) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const auth = request.headers.authorization;
    if (typeof auth !== 'string' || !/^Bearer\s+\S+$/i.test(auth)) throw unauthorized();
    request.invocation = await verifier(auth.replace(/^Bearer\s+/i, ''));
    request.forgeTokens = { user: header(request, 'x-forge-oauth-user'), system: header(request, 'x-forge-oauth-system') };
    request.tenantId = await tenants.resolve(request.invocation);
  };
}
