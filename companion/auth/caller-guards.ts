// Which kind of caller a route takes (onRequest hooks, after the token is verified). Refusals are
// 403 before the handler runs, so a refused call changes nothing.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config, PlatformEndpoint } from '../config.js';
import { forbidden } from '../errors.js';
import { isAdminModule, isAppFunction, isPlatformDelivery } from './invocation-kinds.js';
import '../http/request-context.js';

type Keys = Pick<Config, 'adminModuleKeys' | 'functionModuleKeys' | 'platformEndpointKeys'>;
type Guard = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

export function requireAdminModule(keys: Keys): Guard {
  return async (request) => {
    if (!isAdminModule(request.invocation, keys)) throw forbidden('Only the open-connect admin page may call this route');
  };
}

/** Lifecycle and Jira events: only Forge delivering them to the endpoint the manifest names. */
export function requirePlatformDelivery(keys: Keys, endpoint: PlatformEndpoint, what: string): Guard {
  return async (request) => {
    if (!isPlatformDelivery(request.invocation, keys, endpoint)) throw forbidden(`Only Forge delivering ${what} may call this route`);
  };
}

/**
 * Routes whose permission check is done by the app's resolver (Jira's EDIT_ISSUES before an issue's
 * connected items are written): a UI module's own token (bridge `requestRemote`) would skip it.
 */
export function requireAppFunctionOrAdmin(keys: Keys): Guard {
  return async (request) => {
    if (!isAppFunction(request.invocation, keys) && !isAdminModule(request.invocation, keys)) {
      throw forbidden("Only the app's own resolvers may call this route");
    }
  };
}

/** Dropping an issue's values: the issue-deleted trigger's endpoint, or the admin page. */
export function requireIssueEventsOrAdmin(keys: Keys): Guard {
  return async (request) => {
    if (!isPlatformDelivery(request.invocation, keys, 'jiraEvents') && !isAdminModule(request.invocation, keys)) {
      throw forbidden("Only the app's issue-deleted trigger or the admin page may drop an issue's values");
    }
  };
}
