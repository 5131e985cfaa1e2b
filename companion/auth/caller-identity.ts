// Who the companion thinks is calling (DESIGN.md "Who is calling"). The token's `principal` when it
// has one (UI modules); else, for a call only the app's own functions can make, the user their code
// put in the body (Forge's `context.accountId`, as `context.user.accountId`); else nobody. Nothing a
// browser sends can change it: a UI module's token always has its principal, and before any route
// sees the body its `context.user` is replaced by the caller found here, so templates
// (`$currentUser`), per-user caches and the audit all read the same, trusted identity.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { Config } from '../config.js';
import type { Invocation } from './forge-token-verifier.js';
import { isAppFunction } from './invocation-kinds.js';
import type { Caller } from '../http/request-context.js';

const NOBODY: Caller = { accountId: undefined, via: 'none' };
// Atlassian account ids (`5b10ac8d82e05b22cc7d4ef5`, `557058:f58131cb-…`) and `unidentified`.
const ACCOUNT_ID = /^[A-Za-z0-9:_-]{1,128}$/;

type Keys = Pick<Config, 'adminModuleKeys' | 'functionModuleKeys' | 'platformEndpointKeys'>;

const recordOf = (v: unknown): Record<string, unknown> | undefined =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

export function callerOf(invocation: Invocation, body: unknown, keys: Keys): Caller {
  if (invocation.principal) return { accountId: invocation.principal, via: 'principal' };
  if (!isAppFunction(invocation, keys)) return NOBODY;
  const claimed = recordOf(recordOf(recordOf(body)?.context)?.user)?.accountId;
  return typeof claimed === 'string' && ACCOUNT_ID.test(claimed) ? { accountId: claimed, via: 'app-function' } : NOBODY;
}

/**
 * The caller of a request with this body, and the body's `context.user` made to say the same (the
 * preValidation hook below, and the hot path: http/hot-path.ts).
 */
export function settleCaller(invocation: Invocation, body: unknown, keys: Keys): Caller {
  const caller = callerOf(invocation, body, keys);
  const context = recordOf(recordOf(body)?.context);
  if (context) {
    if (caller.accountId) context.user = { accountId: caller.accountId };
    else delete context.user;
  }
  return caller;
}

/**
 * preValidation hook: sets `request.caller` and makes the body's `context.user` say the same. A
 * callback hook, not an async one: it runs on every /v1 request and has nothing to wait for.
 */
export function identifyCaller(keys: Keys) {
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    request.caller = settleCaller(request.invocation, request.body, keys);
    done();
  };
}

/** The tenant and the user an admin change is recorded for. */
export const actorOf = (request: FastifyRequest) => ({ tenantId: request.tenantId, accountId: request.caller.accountId ?? null });
