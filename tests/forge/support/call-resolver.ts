// Invokes a resolver function the way the Forge runtime does: the call and module context, plus the
// runtime payload that carries the principal (the Resolver reads accountId from there).
import { platformState } from './forge-platform-state.js';
import { TEST_APP_ID } from '../../helpers/forge-tokens.js';

export const TEST_ENVIRONMENT_ID = '99999999-8888-7777-6666-555555555555';
/** What Forge puts in a module's context: ari:cloud:ecosystem::extension/<app>/<environment>/static/<module key>. */
export const localIdOf = (moduleKey: string) => `ari:cloud:ecosystem::extension/${TEST_APP_ID.split('/').pop()}/${TEST_ENVIRONMENT_ID}/static/${moduleKey}`;

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
  /** Forge's `context.accountType` (`licensed`, `customer`, `unlicensed`, `anonymous`). */
  accountType?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function callResolver<T = any>(handler: Handler, functionKey: 'admin-resolver' | 'field-resolver', definition: string, payload: unknown, as: CallAs = {}): Promise<Envelope<T>> {
  platformState.functionKey = functionKey;
  platformState.accountId = as.accountId;
  const answer = await handler(
    { call: { functionKey: definition, payload }, context: { moduleKey: functionKey, localId: localIdOf(functionKey), extension: as.extension ?? {}, accountType: as.accountType ?? 'licensed' } },
    { principal: as.accountId ? { accountId: as.accountId } : undefined, installContext: 'ari:cloud:jira::site/cloud-1' },
  );
  return answer as Envelope<T>;
}
