// A companion on a database URL of the test's choosing (its own PostgreSQL, or one database shared
// by two instances), with the real token verifier against a loopback JWKS and captured log lines.
import { Writable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../../companion/config.js';
import { startCompanion, type RunningCompanion } from '../../../companion/start-companion.js';
import { createForgeTokenVerifier } from '../../../companion/auth/forge-token-verifier.js';
import type { Clock } from '../../../companion/clock.js';
import { ForgeTokenIssuer, TEST_APP_ID, type TokenClaims } from '../../helpers/forge-tokens.js';

export interface CompanionOn extends RunningCompanion {
  logs: string[];
  call(method: string, url: string, options?: TokenClaims & { body?: unknown }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface CompanionOnOptions {
  issuer: ForgeTokenIssuer & { jwksUrl: string };
  encryptionKey: string;
  env?: Record<string, string>;
  clock?: Clock;
  jobs?: boolean;
}

export async function startCompanionOn(databaseUrl: string, options: CompanionOnOptions): Promise<CompanionOn> {
  const dataDir = await mkdtemp(join(tmpdir(), 'oc-proof-data-'));
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const running = await startCompanion(
    loadConfig({
      DATABASE_URL: databaseUrl,
      FORGE_APP_ID: TEST_APP_ID,
      FORGE_JWKS_URL: options.issuer.jwksUrl,
      COMPANION_ENCRYPTION_KEY: options.encryptionKey,
      DATA_DIR: dataDir,
      ...options.env,
    }),
    {
      skipMigrations: true,
      jobs: options.jobs ?? false,
      ...(options.clock ? { clock: options.clock } : {}),
      logger: { level: 'info', stream },
      verifier: createForgeTokenVerifier({ jwksUrl: options.issuer.jwksUrl, appId: TEST_APP_ID, cooldownMs: 0 }),
    },
  );
  await running.app.ready();
  return {
    ...running,
    logs,
    async call(method, url, opts = {}) {
      const token = await options.issuer.mint(opts);
      return running.app.inject({
        method: method as 'GET',
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
      });
    },
    async close() {
      await running.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
