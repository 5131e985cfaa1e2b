// How the proof suites talk to a companion: as a given tenant (installationId), with a real Forge
// token, through app.inject (no socket: thousands of fuzz cases stay fast).
import type { LightMyRequestResponse } from 'fastify';
import type { TestCompanion } from '../../helpers/test-companion.js';
import { ADMIN_MODULE_KEY, type TokenClaims } from '../../helpers/forge-tokens.js';
import { TokenSource } from './token-source.js';
import type { HttpMethod } from './app-routes.js';

export interface SendOptions {
  body?: unknown;
  /** Sent as is with this content type (bad JSON, foreign media types). */
  raw?: { payload: string; contentType: string };
  query?: string;
  headers?: Record<string, string>;
}

export interface Tenant {
  installationId: string;
  send(method: HttpMethod, url: string, options?: SendOptions): Promise<LightMyRequestResponse>;
}

/**
 * Who calls, with the token Forge mints for them (Forge docs, "The Forge Invocation Token"): the
 * admin page or a field's UI module with the user's principal (their own module type and key); a
 * resolver function's invokeRemote (`core:endpoint`, the function's key, no principal); the platform
 * delivering to an endpoint (`core:endpoint`, the endpoint's key, no principal). `trigger` is the
 * issue-deleted trigger's endpoint.
 */
export type Caller = 'admin' | 'uiUser' | 'adminResolver' | 'fieldResolver' | 'lifecycle' | 'uninstall' | 'trigger';
export const CALLERS: readonly Caller[] = ['admin', 'uiUser', 'adminResolver', 'fieldResolver', 'lifecycle', 'uninstall', 'trigger'];

export function claimsOf(caller: Caller, installationId: string): TokenClaims {
  const endpoint = (moduleKey: string) => ({ installationId, moduleKey, moduleType: 'core:endpoint' });
  switch (caller) {
    case 'admin':
      return { installationId, moduleKey: ADMIN_MODULE_KEY, moduleType: 'jira:adminPage', principal: `user-of-${installationId}` };
    case 'uiUser':
      return { installationId, moduleKey: 'open-connect-object-field', moduleType: 'jira:customFieldType', principal: `user-of-${installationId}` };
    case 'adminResolver':
      return endpoint('admin-resolver');
    case 'fieldResolver':
      return endpoint('field-resolver');
    case 'lifecycle':
      return endpoint('companion-lifecycle');
    case 'uninstall':
      return endpoint('companion-uninstall');
    case 'trigger':
      return endpoint('companion-issue-events');
  }
}

export function tenant(c: TestCompanion, installationId: string, caller: Caller = 'admin'): Tenant {
  const claims = claimsOf(caller, installationId);
  const tokens = new TokenSource(c.issuer, claims);
  return {
    installationId,
    async send(method, url, options = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${await tokens.get()}`, ...options.headers };
      let payload: string | undefined;
      if (options.raw) {
        payload = options.raw.payload;
        headers['content-type'] = options.raw.contentType;
      } else if (options.body !== undefined) {
        payload = JSON.stringify(options.body);
        headers['content-type'] = 'application/json';
      }
      return c.app.inject({ method, url: options.query ? `${url}?${options.query}` : url, headers, ...(payload !== undefined ? { payload } : {}) });
    },
  };
}

/** The same installation as each caller that is not the admin page (for TenantFixtures). */
export function platformCallers(c: TestCompanion, installationId: string): Partial<Record<Caller, Tenant>> {
  return { trigger: tenant(c, installationId, 'trigger'), lifecycle: tenant(c, installationId, 'lifecycle'), uninstall: tenant(c, installationId, 'uninstall') };
}

/** `/v1/admin/datasources/:id` + {id} → the URL, each parameter URL-encoded. */
export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(params[name] ?? ''));
}

export const ERROR_SHAPE_KEYS = ['code', 'message'];

/** `details` (contract extension): where in the body each problem is, as [{path, message}] strings. */
const isDetails = (value: unknown) =>
  Array.isArray(value) &&
  value.every((d) => d && typeof d === 'object' && Object.keys(d).sort().join() === 'message,path' && typeof d.path === 'string' && typeof d.message === 'string');

/** True when a body is exactly {error: {code: string, message: string}}, plus the optional `details`. */
export function hasErrorShape(body: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return false;
  }
  if (!parsed || typeof parsed !== 'object' || Object.keys(parsed).join() !== 'error') return false;
  const error = (parsed as { error: unknown }).error as Record<string, unknown> | null;
  if (!error || typeof error !== 'object') return false;
  const keys = Object.keys(error).filter((k) => k !== 'details' || isDetails(error.details));
  return keys.length === Object.keys(error).length && keys.filter((k) => k !== 'details').sort().join() === ERROR_SHAPE_KEYS.join() && typeof error.code === 'string' && typeof error.message === 'string';
}
