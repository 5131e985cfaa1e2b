// The one way the Forge side talks to the companion: `invokeRemote` on the `companion` remote. The
// platform signs each call with a Forge Invocation Token (tenant, function), so nothing here carries
// credentials. A function's token has no `principal`, so the user a call is made for travels in the
// body as `context.user.accountId` (DESIGN.md "Who is calling"): always Forge's own
// `context.accountId` of the running invocation, never anything the UI put in its payload. Errors
// keep the companion's safe `{error:{code,message}}` (and its `details`) for the admin.
import type { ForgePlatform } from '../platform/forge-platform';
import type { ErrorDetail } from '../../companion/contract/index';

export const COMPANION_REMOTE_KEY = 'companion';

export class CompanionError extends Error {
  override name = 'CompanionError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Where in the request body the companion found each problem (contract: `error.details`). */
    readonly details?: ErrorDetail[],
  ) {
    super(message);
  }
}

const isDetail = (d: unknown): d is ErrorDetail =>
  typeof d === 'object' && d !== null && typeof (d as ErrorDetail).path === 'string' && typeof (d as ErrorDetail).message === 'string';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface CompanionCalls {
  request<T = unknown>(method: HttpMethod, path: string, body?: unknown): Promise<T>;
}

export interface CompanionClient {
  /** Calls made for this user: Forge's `request.context.accountId` (undefined: for nobody). */
  as(accountId: string | undefined): CompanionCalls;
}

/** Builds `/v1/...` paths with every dynamic segment URL-encoded. */
export function companionPath(strings: TemplateStringsArray, ...segments: Array<string | number>): string {
  return strings.reduce((path, part, i) => path + part + (i < segments.length ? encodeURIComponent(String(segments[i])) : ''), '');
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The body with its `context.user` set to the caller (or removed): whatever `context.user` the UI's
 * payload carried is dropped. GET has no body, and so no caller.
 */
export function withCaller(method: HttpMethod, body: unknown, accountId: string | undefined): unknown {
  if (method === 'GET') return body;
  const user = accountId ? { user: { accountId } } : {};
  if (body === undefined) return accountId ? { context: user } : undefined;
  if (!isRecord(body)) return body;
  const { user: _dropped, ...context } = isRecord(body.context) ? body.context : {};
  const merged = { ...context, ...user };
  return Object.keys(merged).length > 0 || 'context' in body ? { ...body, context: merged } : body;
}

export function companionClient(platform: Pick<ForgePlatform, 'invokeRemote'>): CompanionClient {
  return {
    as: (accountId) => ({
      request<T>(method: HttpMethod, path: string, body?: unknown) {
        return send<T>(platform, method, path, withCaller(method, body, accountId));
      },
    }),
  };
}

async function send<T>(platform: Pick<ForgePlatform, 'invokeRemote'>, method: HttpMethod, path: string, body: unknown): Promise<T> {
  let response;
  try {
    response = await platform.invokeRemote(COMPANION_REMOTE_KEY, {
      path,
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    // The platform could not reach the remote at all (down, DNS, TLS): say so plainly.
    throw new CompanionError(503, 'companion_unreachable', 'The open-connect companion service could not be reached');
  }
  const text = await response.text();
  const parsed = parseJson(text);
  if (!response.ok) {
    const error = (parsed as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
    const details = Array.isArray(error?.details) ? error.details.filter(isDetail).map((d) => ({ path: d.path, message: d.message })) : [];
    throw new CompanionError(
      response.status,
      typeof error?.code === 'string' ? error.code : 'companion_error',
      typeof error?.message === 'string' ? error.message : `The companion answered ${response.status}`,
      details.length > 0 ? details : undefined,
    );
  }
  return parsed as T;
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new CompanionError(502, 'companion_bad_answer', 'The companion answered something that is not JSON');
  }
}
