// Options with a warm cache (100 options) against a bare Fastify route that verifies the same kind
// of token with jose and answers the same JSON; on PostgreSQL and on the embedded database; each
// server in its own process, the load from this one, every request with its own valid token taken
// in turn from a pool. Then a cold miss against a local upstream: the companion's own time.
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { request } from 'undici';
import { ForgeTokenIssuer, TEST_APP_ID } from '../tests/helpers/forge-tokens.js';
import { CountingUpstream } from '../tests/fields/support/counting-upstream.js';

const CONNECTIONS = 32;
const DURATION_S = 12;
const ROUNDS = 3;
const TOKEN_POOL = 4000;
const COLD_SAMPLES = 200;
const POSTGRES_ADMIN = process.env.OC_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const serverScript = fileURLToPath(new URL('./support/options-server.ts', import.meta.url));

interface Server {
  url: string;
  stop(): Promise<void>;
}

function startServer(mode: 'bare' | 'companion', env: Record<string, string>): Promise<Server> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', serverScript, mode], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.once('exit', () => child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    let out = '';
    child.on('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /READY (\d+)/.exec(out);
      if (!m) return;
      // Later output (log lines) must not run this again: it would drop stop()'s exit listener.
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      child.removeAllListeners('exit');
      child.on('exit', (code, signal) => progress(`${mode} server exited (${code ?? signal})`));
      resolve({
        url: `http://127.0.0.1:${m[1]}`,
        stop: () => new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
      });
    };
    child.stdout!.on('data', onData);
  });
}

async function call(url: string, token: string, body: unknown) {
  const res = await request(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${url} answered ${res.statusCode}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/**
 * The two servers in alternating rounds (bare, companion, bare, …): the machine is shared, and
 * alternating spreads any drift in its load over both instead of charging it to one.
 */
async function loadPair(bareUrl: string, companionUrl: string, tokens: string[], body: unknown) {
  let next = 0;
  const run = (url: string, duration: number) =>
    autocannon({
      url,
      method: 'POST',
      connections: CONNECTIONS,
      duration,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` } }) }],
    });
  await run(bareUrl, 2); // warm-up: JIT, connection pools, JWKS fetch
  await run(companionUrl, 2);
  const totals = { bare: { requests: 0, seconds: 0, p50: [] as number[], p99: [] as number[] }, companion: { requests: 0, seconds: 0, p50: [] as number[], p99: [] as number[] } };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, url] of [['bare', bareUrl], ['companion', companionUrl]] as const) {
      const r = await run(url, DURATION_S / ROUNDS);
      if (r.non2xx > 0 || r.errors > 0) throw new Error(`${url}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
      totals[name].requests += r.requests.total;
      totals[name].seconds += r.duration;
      totals[name].p50.push(r.latency.p50);
      totals[name].p99.push(r.latency.p99);
    }
  }
  const summary = (t: (typeof totals)['bare']) => ({ rps: t.requests / t.seconds, p50: median(t.p50), p99: median(t.p99) });
  return { bare: summary(totals.bare), companion: summary(totals.companion) };
}

const progress = (m: string) => console.error(`[options.bench ${new Date().toISOString().slice(11, 19)}] ${m}`);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(label: string, times: number, fn: (i: number) => Promise<unknown>) {
  const ms: number[] = [];
  for (let i = 0; i < times; i += 1) {
    if (i % 50 === 0) progress(`${label} ${i}/${times}`);
    const t = performance.now();
    await fn(i);
    ms.push(performance.now() - t);
  }
  return median(ms);
}

export default async function optionsBench(): Promise<string> {
  const issuer = await ForgeTokenIssuer.start();
  const up = await CountingUpstream.start();
  const env = { BENCH_JWKS_URL: issuer.jwksUrl, BENCH_APP_ID: TEST_APP_ID };
  const tokens = await Promise.all(Array.from({ length: TOKEN_POOL }, () => issuer.mint({ moduleKey: 'connected-field-edit', expiresIn: 1800 })));
  const admin = () => issuer.mint({ expiresIn: 1800 });
  const body = { context: { issue: { key: 'PRJ-1', fields: {} } } };
  const bare = await startServer('bare', env);
  const rows: string[] = [];
  let cold = '';
  try {
    for (const database of ['PostgreSQL', 'embedded (PGlite)'] as const) {
      let dbName: string | undefined;
      let dbUrl = '';
      if (database === 'PostgreSQL') {
        dbName = `oc_bench_${randomBytes(4).toString('hex')}`;
        const c = new pg.Client({ connectionString: POSTGRES_ADMIN });
        await c.connect();
        await c.query(`CREATE DATABASE ${dbName}`);
        await c.end();
        const u = new URL(POSTGRES_ADMIN);
        u.pathname = `/${dbName}`;
        dbUrl = u.toString();
      }
      progress(`starting the companion on ${database}`);
      const companion = await startServer('companion', { ...env, BENCH_DATABASE_URL: dbUrl });
      try {
        const ds = await call(`${companion.url}/v1/admin/datasources`, await admin(), { name: 'Bench', type: 'rest', config: { baseUrl: up.url } });
        const field = { datasourceId: ds.id, editor: 'select', storage: 'object', resultPath: '$.items[*]', idTemplate: '${row.id}', displayTemplate: '${row.name}' };
        await call(`${companion.url}/v1/admin/fields`, await admin(), { ...field, key: 'customfield_10050', name: 'Customer', query: '/customers' });
        await call(`${companion.url}/v1/admin/fields`, await admin(), { ...field, key: 'customfield_10051', name: 'Cold', query: '/customers?nonce=$userInput' });
        const warmUrl = `${companion.url}/v1/fields/customfield_10050/options`;
        await call(warmUrl, tokens[0]!, body);
        const sample = await call(warmUrl, tokens[1]!, body);
        const bareSample = await call(`${bare.url}/v1/fields/customfield_10050/options`, tokens[2]!, body);
        if (sample.cache !== 'hit' || JSON.stringify(sample) !== JSON.stringify(bareSample)) throw new Error('the companion and the bare route do not answer the same JSON');

        progress('load: bare route and companion, alternating');
        const { bare: b, companion: o } = await loadPair(`${bare.url}/v1/fields/customfield_10050/options`, warmUrl, tokens, body);
        const ratio = o.rps / b.rps;
        const p99Ratio = o.p99 / b.p99;
        rows.push(
          `| ${database} | bare jose route | ${b.rps.toFixed(0)} | ${b.p50} | ${b.p99} | | |`,
          `| ${database} | companion, warm cache | ${o.rps.toFixed(0)} | ${o.p50} | ${o.p99} | ${(ratio * 100).toFixed(0)} % ${ratio >= 0.8 ? '✅' : '❌'} | ${p99Ratio.toFixed(2)}× ${p99Ratio <= 1.5 ? '✅' : '❌'} |`,
        );

        if (database === 'PostgreSQL') {
          progress('cold misses');
          const coldUrl = `${companion.url}/v1/fields/customfield_10051/options`;
          const hitsBefore = up.count('/customers?nonce=');
          const upstream = await timed('upstream', COLD_SAMPLES, (i) => request(`${up.url}/customers?nonce=direct-${i}`).then((r) => r.body.text()));
          const bareMs = await timed('bare', COLD_SAMPLES, (i) => call(`${bare.url}/v1/fields/customfield_10051/options`, tokens[i]!, { ...body, input: `b${i}` }));
          const missMs = await timed('companion miss', COLD_SAMPLES, async (i) => {
            const r = await call(coldUrl, tokens[i]!, { ...body, input: `m${i}` });
            if (r.cache !== 'miss') throw new Error(`expected a miss, got ${String(r.cache)}`);
          });
          const upstreamCalls = up.count('/customers?nonce=') - hitsBefore - COLD_SAMPLES;
          cold = [
            `Cold miss, one request at a time, ${COLD_SAMPLES} distinct inputs (every one a miss; the upstream saw ${upstreamCalls} calls from the companion), PostgreSQL, medians:`,
            '',
            '| what | median ms |',
            '|---|---|',
            `| upstream called directly (its own time, with one HTTP round trip) | ${upstream.toFixed(2)} |`,
            `| bare jose route (HTTP round trip + token check) | ${bareMs.toFixed(2)} |`,
            `| companion, cold miss | ${missMs.toFixed(2)} |`,
            `| companion overhead over the upstream, token check included (miss − upstream) | ${(missMs - upstream).toFixed(2)} |`,
            `| companion overhead over the upstream and the token check (miss − bare − upstream) | ${(missMs - bareMs - upstream).toFixed(2)} ${missMs - bareMs - upstream < 1 ? '✅' : '❌'} |`,
          ].join('\n');
        }
      } finally {
        await companion.stop();
        if (dbName) {
          const c = new pg.Client({ connectionString: POSTGRES_ADMIN });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
          await c.end();
        }
      }
    }
  } finally {
    await bare.stop();
    await up.stop();
    await issuer.stop();
  }
  return [
    '## Options: warm cache vs a bare token-checking route, and a cold miss',
    '',
    `Load: autocannon, ${CONNECTIONS} connections, ${DURATION_S} s per server in ${ROUNDS} alternating rounds (bare, companion, bare, …) after a 2 s`,
    'warm-up each, POST with the same body; rate = all requests / all seconds, p50/p99 = median over the rounds. Every request carries a valid RS256',
    `Forge-style token taken in turn from a pool of ${TOKEN_POOL} distinct ones (neither server caches verified tokens). Each server runs in its own`,
    'process; the bare route is Fastify + jose `jwtVerify` against the same JWKS with the same response schema. The field answers',
    '100 options from the cache (`cache: "hit"`); both answers are byte-identical.',
    'Goals: at least 80 % of the bare route\'s request rate, p99 at most 1.5× the bare route\'s p99.',
    '',
    '| database | server | req/s | p50 ms | p99 ms | rate vs bare | p99 vs bare |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    cold,
    '',
  ].join('\n');
}
