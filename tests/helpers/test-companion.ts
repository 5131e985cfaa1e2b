// A real companion for a suite: a fresh migrated database of the chosen kind, the real token
// verifier against a loopback JWKS, captured log lines, and a helper to call it like Forge does.
import { Writable } from 'node:stream';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../companion/config.js';
import { startCompanion, type RunningCompanion } from '../../companion/start-companion.js';
import { createForgeTokenVerifier } from '../../companion/auth/forge-token-verifier.js';
import type { Clock } from '../../companion/clock.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './databases.js';
import { ForgeTokenIssuer, TEST_APP_ID, type TokenClaims } from './forge-tokens.js';

export class FakeClock implements Clock {
  constructor(private t = new Date('2026-11-27T12:00:00Z').getTime()) {}
  now() {
    return new Date(this.t);
  }
  advance(ms: number) {
    this.t += ms;
  }
}

export interface CallOptions extends TokenClaims {
  body?: unknown;
  token?: string | null;
  headers?: Record<string, string>;
}

export interface TestCompanion extends RunningCompanion {
  kind: DatabaseKind;
  issuer: ForgeTokenIssuer & { jwksUrl: string };
  clock: FakeClock;
  encryptionKey: string;
  /** Every log line the companion wrote, as text. */
  logs: string[];
  call(method: string, url: string, options?: CallOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface TestCompanionOptions {
  env?: Record<string, string>;
  clock?: FakeClock;
  jobs?: boolean;
}

export async function startTestCompanion(kind: DatabaseKind, options: TestCompanionOptions = {}): Promise<TestCompanion> {
  const database: TestDatabase = await createTestDatabase(kind);
  const issuer = await ForgeTokenIssuer.start();
  const dataDir = await mkdtemp(join(tmpdir(), 'oc-data-'));
  const encryptionKey = randomBytes(32).toString('base64');
  const config = loadConfig({
    DATABASE_URL: database.url,
    FORGE_APP_ID: TEST_APP_ID,
    FORGE_JWKS_URL: issuer.jwksUrl,
    COMPANION_ENCRYPTION_KEY: encryptionKey,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    // PGlite serves one connection at a time; the companion sizes its pool to 1 for it.
    ...(kind === 'embedded' ? { DATABASE_POOL_SIZE: '1' } : {}),
    // The embedded database runs in this process in tests, and blocks the event loop for seconds
    // while it starts or restores its template: a PostgreSQL companion beside it (describeEachDatabase)
    // then had its connect timer fire late, after the connection was made, and answered 503 (CI).
    DATABASE_CONNECT_TIMEOUT_MS: '20000',
    ...options.env,
  });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const clock = options.clock ?? new FakeClock();
  const running = await startCompanion(config, {
    skipMigrations: true,
    jobs: options.jobs ?? false,
    clock,
    logger: { level: 'info', stream },
    verifier: createForgeTokenVerifier({ jwksUrl: issuer.jwksUrl, appId: TEST_APP_ID, cooldownMs: 0 }),
  });
  await running.app.ready();

  return {
    ...running,
    kind,
    issuer,
    clock,
    encryptionKey,
    logs,
    async call(method, url, opts = {}) {
      const token = opts.token === undefined ? await issuer.mint(opts) : opts.token;
      return running.app.inject({
        method: method as 'GET',
        url,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...opts.headers },
        ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
      });
    },
    async close() {
      await running.stop();
      await issuer.stop();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
