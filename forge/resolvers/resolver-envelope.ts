// One answer shape for every resolver, shared with the UI: `{ok:true,data}` or `{ok:false,error}`.
// Companion errors keep their code and safe message so the admin sees what to fix; anything
// unexpected becomes a generic message (its detail stays in the function's log).
import { CompanionError } from '../companion/companion-client';
import type { ErrorDetail } from '../../companion/contract/index';

export interface ResolverFailure {
  status: number;
  code: string;
  message: string;
  /** The companion's `error.details`: which input of the form each problem concerns. */
  details?: ErrorDetail[];
}

export type ResolverResult<T> = { ok: true; data: T } | { ok: false; error: ResolverFailure };

export class ResolverRefusal extends Error {
  override name = 'ResolverRefusal';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const refuse = {
  forbidden: (message: string) => new ResolverRefusal(403, 'forbidden', message),
  badRequest: (message: string) => new ResolverRefusal(400, 'bad_request', message),
  notFound: (message: string) => new ResolverRefusal(404, 'not_found', message),
};

export async function envelope<T>(work: () => Promise<T>): Promise<ResolverResult<T>> {
  try {
    return { ok: true, data: await work() };
  } catch (error) {
    if (error instanceof CompanionError) {
      return { ok: false, error: { status: error.status, code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } };
    }
    if (error instanceof ResolverRefusal) return { ok: false, error: { status: error.status, code: error.code, message: error.message } };
    console.error('open-connect resolver failed', error instanceof Error ? error.name : typeof error);
    return { ok: false, error: { status: 500, code: 'internal', message: 'Something went wrong in open-connect; try again' } };
  }
}

/** Payload readers: resolvers receive whatever the UI sent, so every input is checked. */
export function requireString(payload: Record<string, unknown>, name: string, max = 200): string {
  const value = payload[name];
  if (typeof value !== 'string' || value.length === 0 || value.length > max) throw refuse.badRequest(`${name} is required`);
  return value;
}

export function requireObject(payload: Record<string, unknown>, name: string): Record<string, unknown> {
  const value = payload[name];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw refuse.badRequest(`${name} must be an object`);
  return value as Record<string, unknown>;
}

export function optionalQuery(params: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') query.set(k, String(v));
  const text = query.toString();
  return text ? `?${text}` : '';
}
