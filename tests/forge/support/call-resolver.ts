// Invokes a resolver function the way the Forge runtime does: the call and module context, plus the
// runtime payload that carries the principal (the Resolver reads accountId from there).
import { platformState } from './forge-platform-state.js';

type Handler = (payload: { call: { functionKey: string; payload?: unknown }; context: Record<string, unknown> }, runtime?: Record<string, unknown>) => Promise<unknown>;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field in the tests
export interface Envelope<T = any> {
  ok: boolean;
  data: T;
  error: { status: number; code: string; message: string };
}

export interface CallAs {
  accountId?: string;
  extension?: Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function callResolver<T = any>(handler: Handler, functionKey: 'admin-resolver' | 'field-resolver', definition: string, payload: unknown, as: CallAs = {}): Promise<Envelope<T>> {
  platformState.functionKey = functionKey;
  platformState.accountId = as.accountId;
  const answer = await handler(
    { call: { functionKey: definition, payload }, context: { moduleKey: functionKey, extension: as.extension ?? {} } },
    { principal: as.accountId ? { accountId: as.accountId } : undefined, installContext: 'ari:cloud:jira::site/cloud-1' },
  );
  return answer as Envelope<T>;
}
