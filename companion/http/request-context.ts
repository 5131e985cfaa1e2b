import type { Invocation } from '../auth/forge-token-verifier.js';

/** Tokens Forge Remote sends for calling the tenant's Jira. Never stored, never logged. */
export interface ForgeOAuthTokens {
  user: string | undefined;
  system: string | undefined;
}

/** Who is calling (set by companion/auth/caller-identity.ts). */
export interface Caller {
  accountId: string | undefined;
  /** Where the accountId came from; `none` when the call is for no user (a trigger, the platform). */
  via: 'principal' | 'app-function' | 'none';
}

declare module 'fastify' {
  interface FastifyRequest {
    invocation: Invocation;
    tenantId: string;
    forgeTokens: ForgeOAuthTokens;
    /** Who is calling: the only identity routes may use. */
    caller: Caller;
  }
}
