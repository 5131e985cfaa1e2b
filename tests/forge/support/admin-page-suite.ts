// The set-up every admin page suite shares: one Forge test environment for the suite, reset before
// each test, and the bridge wired to the REAL admin resolver as the given user (a Jira admin first).
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { resetBridge } from './fake-bridge.js';
import { callResolver } from './call-resolver.js';
import { ADMIN, startForgeTestEnv, type ForgeTestEnv } from './forge-test-env.js';

type Handlers = typeof import('../../../src/index.js');

export function asAdminPageUser(handlers: Handlers, accountId: string): void {
  resetBridge({ accountId, extension: {} }, (key, payload) => callResolver(handlers.adminResolver, 'admin-resolver', key, payload, { accountId }));
}

/** Call inside a describe: the returned environment is filled in before the first test. */
export function adminPageSuite(handlers: Handlers): ForgeTestEnv {
  const env = {} as ForgeTestEnv;
  beforeAll(async () => {
    Object.assign(env, await startForgeTestEnv(handlers));
  });
  afterAll(async () => env.close?.());
  beforeEach(async () => {
    await env.reset();
    asAdminPageUser(handlers, ADMIN);
  });
  return env;
}
