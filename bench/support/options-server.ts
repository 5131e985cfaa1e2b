// One server for the options benchmark, in its own process so that the load generator does not
// share its event loop: `bare` (a Fastify route that verifies the token with jose and answers fixed
// JSON) or `companion` (the real companion on PostgreSQL or the embedded database).
// Prints `READY <port>` once it listens; stops on SIGTERM.
import Fastify from 'fastify';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OptionsResponse } from '../../companion/contract/field.js';
import { ErrorBody } from '../../companion/contract/common.js';
import { loadConfig } from '../../companion/config.js';
import { startCompanion } from '../../companion/start-companion.js';

const mode = process.argv[2];
const jwksUrl = process.env.BENCH_JWKS_URL!;
const appId = process.env.BENCH_APP_ID!;

/** The same 100 options the companion answers for the benchmark field (checked by options.bench.ts). */
const BENCH_OPTIONS = Array.from({ length: 100 }, (_, i) => ({ id: `c${i + 1}`, value: `Customer ${i + 1}` }));

async function bare() {
  const app = Fastify({ logger: false });
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  const body = { options: BENCH_OPTIONS, nextCursor: null, cache: 'hit' };
  app.post('/v1/fields/:id/options', { schema: { response: { 200: OptionsResponse, 401: ErrorBody } } }, async (request, reply) => {
    const token = (request.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    try {
      await jwtVerify(token, jwks, { algorithms: ['RS256'], issuer: 'forge/invocation-token', audience: appId, requiredClaims: ['exp', 'iat'] });
    } catch {
      return reply.code(401).send({ error: { code: 'unauthorized', message: 'bad token' } });
    }
    return body;
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as { port: number }).port, close: () => app.close() };
}

async function companion() {
  const config = loadConfig({
    DATABASE_URL: process.env.BENCH_DATABASE_URL || undefined,
    FORGE_APP_ID: appId,
    FORGE_JWKS_URL: jwksUrl,
    COMPANION_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    COMPANION_EGRESS_ALLOW: '127.0.0.1',
    DATA_DIR: await mkdtemp(join(tmpdir(), 'oc-bench-')),
    LOG_LEVEL: 'warn',
  });
  const running = await startCompanion(config, { logger: { level: 'warn' }, jobs: false });
  await running.app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (running.app.server.address() as { port: number }).port, close: () => running.stop() };
}

const server = mode === 'bare' ? await bare() : await companion();
process.stdout.write(`READY ${server.port}\n`);
process.on('SIGTERM', () => {
  void server.close().finally(() => process.exit(0));
});
