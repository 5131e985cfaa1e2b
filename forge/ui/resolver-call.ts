// UI → resolver calls through the bridge, unwrapping the resolvers' `{ok,data|error}` envelope so
// components deal with data or a readable error message.
import { invoke } from '@forge/bridge';

export class ResolverCallError extends Error {
  override name = 'ResolverCallError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type Envelope<T> = { ok: true; data: T } | { ok: false; error: { status: number; code: string; message: string } };

export async function callResolver<T>(definition: string, payload: Record<string, unknown> = {}): Promise<T> {
  let answer: Envelope<T> | undefined;
  try {
    answer = (await invoke(definition, payload)) as Envelope<T> | undefined;
  } catch {
    throw new ResolverCallError(503, 'unreachable', 'open-connect could not be reached; try again');
  }
  if (!answer || typeof answer !== 'object' || !('ok' in answer)) throw new ResolverCallError(502, 'bad_answer', 'open-connect answered something unexpected');
  if (!answer.ok) throw new ResolverCallError(answer.error.status, answer.error.code, answer.error.message);
  return answer.data;
}

export const messageOf = (error: unknown) => (error instanceof Error ? error.message : 'Something went wrong');
