// One server for the options benchmark, in its own process so that the load generator does not
// share its event loop:
// - `anchor`: the honest baseline of DESIGN.md "Non-functional": a bare node:http server that
//   verifies the token with jose `jwtVerify` against the same JWKS and answers the same bytes;
// - `companion`: the real companion on PostgreSQL or the embedded database, at its default log level
//   (LOG_LEVEL unset: `info`), logging to this process's stdout (a file the bench opened).
// - `upstream`: the datasource's REST API (tests/fields/support/counting-upstream.ts), in a process
//   of its own as a real upstream is: the bench calls it directly for its own time, and the companion
//   calls it on a cold miss, each crossing the same process boundary. Says how many calls it counted
//   under a path prefix when asked over IPC (`{count: prefix}` → `{counted: n}`).
// Tells the bench its port over IPC (`{ready: port}`); stops on SIGTERM.
import { createServer } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { loadConfig } from '../../companion/config.js';
import { startCompanion } from '../../companion/start-companion.js';
import { CountingUpstream } from '../../tests/fields/support/counting-upstream.js';

const mode = process.argv[2];
const jwksUrl = process.env.BENCH_JWKS_URL!;
const appId = process.env.BENCH_APP_ID!;

/** The same 100 options the companion answers for the benchmark field (checked by options.bench.ts). */
const BENCH_OPTIONS = Array.from({ length: 100 }, (_, i) => ({ id: `c${i + 1}`, value: `Customer ${i + 1}` }));

async function anchor() {
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  const ok = Buffer.from(JSON.stringify({ options: BENCH_OPTIONS, nextCursor: null, cache: 'hit' }));
  const refused = Buffer.from(JSON.stringify({ error: { code: 'unauthorized', message: 'bad token' } }));
  const send = (res: import('node:http').ServerResponse, status: number, bytes: Buffer) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': bytes.length });
    res.end(bytes);
  };
  const server = createServer((req, res) => {
    // The body is read to its end (keep-alive needs it), not parsed: the anchor does the least a
    // server answering this route must do.
    req.resume();
    req.on('end', () => {
      const token = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
      jwtVerify(token, jwks, { algorithms: ['RS256'], issuer: 'forge/invocation-token', audience: appId, requiredClaims: ['exp', 'iat'] }).then(
        () => send(res, 200, ok),
        () => send(res, 401, refused),
      );
    });
  });
  server.keepAliveTimeout = 72_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function companion() {
  const config = loadConfig({
    DATABASE_URL: process.env.BENCH_DATABASE_URL || undefined,
    FORGE_APP_ID: appId,
    FORGE_JWKS_URL: jwksUrl,
    COMPANION_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    COMPANION_EGRESS_ALLOW: '127.0.0.1',
    DATA_DIR: await mkdtemp(join(tmpdir(), 'oc-bench-')),
  });
  const running = await startCompanion(config, { jobs: false });
  await running.app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (running.app.server.address() as { port: number }).port, close: () => running.stop() };
}

async function upstream() {
  const up = await CountingUpstream.start();
  process.on('message', (m: { count?: string }) => {
    if (m.count !== undefined) process.send!({ counted: up.count(m.count) });
  });
  return { port: Number(new URL(up.url).port), close: () => up.stop() };
}

const server = mode === 'anchor' ? await anchor() : mode === 'upstream' ? await upstream() : await companion();

// BENCH_CPU_PROF: the bench brackets what it wants profiled with `{profile: 'start'}` and
// `{profile: 'stop', file}` (V8's CPU profiler through the inspector, as `node --cpu-prof` uses).
if (process.env.BENCH_CPU_PROF) {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  process.on('message', (m: { profile?: 'start' | 'stop'; file?: string }) => {
    if (m.profile === 'start') void session.post('Profiler.start').then(() => process.send!({ profiling: true }));
    if (m.profile === 'stop') {
      void session.post('Profiler.stop').then(async ({ profile }) => {
        await writeFile(m.file!, JSON.stringify(profile));
        process.send!({ profiled: m.file });
      });
    }
  });
}
process.send!({ ready: server.port });
process.on('SIGTERM', () => {
  void server.close().finally(() => process.exit(0));
});
