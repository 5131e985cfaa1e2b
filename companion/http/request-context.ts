import type { Invocation } from '../auth/forge-token-verifier.js';

/** Tokens Forge Remote sends for calling the tenant's Jira. Never stored, never logged. */
export interface ForgeOAuthTokens {
  user: string | undefined;
  system: string | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    invocation: Invocation;
    tenantId: string;
    forgeTokens: ForgeOAuthTokens;
  }
}
