// UI → resolver calls through the bridge, unwrapping the resolvers' `{ok,data|error}` envelope so
// components deal with data or a readable error message.
import { invoke } from '@forge/bridge';
import type { ErrorDetail } from '../../companion/contract/index';

export class ResolverCallError extends Error {
  override name = 'ResolverCallError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Which input each problem concerns (JSON pointers into the body that was sent). */
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

type Envelope<T> = { ok: true; data: T } | { ok: false; error: { status: number; code: string; message: string; details?: ErrorDetail[] } };

export async function callResolver<T>(definition: string, payload: Record<string, unknown> = {}): Promise<T> {
  let answer: Envelope<T> | undefined;
  try {
    answer = (await invoke(definition, payload)) as Envelope<T> | undefined;
  } catch {
    throw new ResolverCallError(503, 'unreachable', 'open-connect could not be reached; try again');
  }
  if (!answer || typeof answer !== 'object' || !('ok' in answer)) throw new ResolverCallError(502, 'bad_answer', 'open-connect answered something unexpected');
  if (!answer.ok) throw new ResolverCallError(answer.error.status, answer.error.code, answer.error.message, answer.error.details ?? []);
  return answer.data;
}

export const messageOf = (error: unknown) => (error instanceof Error ? error.message : 'Something went wrong');

/** The companion's `upstream_timeout`: a datasource (or Jira) did not answer in the time a request has. */
export const isTooSlow = (error: unknown) => error instanceof ResolverCallError && error.code === 'upstream_timeout';
