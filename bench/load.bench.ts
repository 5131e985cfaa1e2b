// Sustained mixed load on a real listening companion, PGlite and PostgreSQL side by side: options
// with a warm cache and without a cache (an upstream call each), recalculate down a dependency chain,
// admin reads, and all of them mixed; 32 connections, bounded time per run, every request with its
// own valid Forge token from a freshly minted pool. Reports req/s, p50/p99, errors, and the
// companion's memory after a full GC before and after each mixed round (a leak shows as a trend).
import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ForgeTokenIssuer, TEST_APP_ID } from '../tests/helpers/forge-tokens.js';
import { createLoadTargets, startLoadUpstream, type LoadTargets } from './support/load-fixtures.js';
import type { LoadServerMemory } from './support/load-server.js';

type Result = Awaited<ReturnType<typeof autocannon>>;
type RequestSpec = Omit<NonNullable<Parameters<typeof autocannon>[0]['requests']>[number], 'setupRequest'>;

const CONNECTIONS = 32;
const SCENARIO_S = 5;
const MIXED_S = 10;
const MIXED_ROUNDS = 3;
const TOKEN_POOL = 1500;
const POSTGRES_ADMIN = process.env.OC_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const serverScript = fileURLToPath(new URL('./support/load-server.ts', import.meta.url));
const TENANT = 'load-tenant';

const progress = (line: string) => console.error(`[load] ${line}`);
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

interface Server {
  url: string;
  memory(): Promise<LoadServerMemory>;
  stop(): Promise<void>;
}

function startServer(env: Record<string, string>): Promise<Server> {
  const child: ChildProcess = fork(serverScript, [], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  process.once('exit', () => child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) => reject(new Error(`load server exited with ${code}`)));
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /READY (\d+)/.exec(out);
      if (!m) return;
      child.stdout!.off('data', onData);
      child.stdout!.resume();
      child.removeAllListeners('exit');
      resolve({
        url: `http://127.0.0.1:${m[1]}`,
        memory: () =>
          new Promise((done) => {
            child.once('message', (msg) => done(msg as LoadServerMemory));
            child.send('memory');
          }),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout!.on('data', onData);
  });
}

type Scenario = { name: string; requests: RequestSpec[] };

function scenarios(t: LoadTargets): Scenario[] {
  const json = (path: string, body: unknown): RequestSpec => ({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const warm = json(`/v1/fields/${t.cachedField}/options`, { input: '' });
  const cold = json(`/v1/fields/${t.uncachedField}/options`, { input: '' });
  const recalc = json('/v1/fields/recalculate', {
    context: { issue: { key: 'LOAD-1', fields: { [t.parentKey]: { id: 'c1', value: 'Customer 1' } } } },
    changed: [t.parentKey],
  });
  const reads: RequestSpec[] = [
    { method: 'GET', path: '/v1/admin/datasources' },
    { method: 'GET', path: '/v1/admin/fields' },
    { method: 'GET', path: '/v1/admin/audit?limit=20' },
  ];
  return [
    { name: 'options, warm cache', requests: [warm] },
    { name: 'options, no cache (upstream call each)', requests: [cold] },
    { name: 'recalculate (2 dependants)', requests: [recalc] },
    { name: 'admin reads (datasources, fields, audit)', requests: reads },
    // The mix: per connection, 4 warm options, 1 uncached, 1 recalculate, 2 admin reads, in turn.
    { name: 'mixed', requests: [warm, warm, cold, warm, recalc, reads[0]!, warm, reads[1]!] },
  ];
}

async function tokenPool(issuer: ForgeTokenIssuer, size: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < size; i += 1) tokens.push(await issuer.mint({ installationId: TENANT, principal: 'load-user' }));
  return tokens;
}

async function load(url: string, issuer: ForgeTokenIssuer, scenario: Scenario, seconds: number): Promise<Result> {
  // Minted right before the run: a Forge token lives 25 s; each request takes the next one.
  const tokens = await tokenPool(issuer, TOKEN_POOL);
  let next = 0;
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: scenario.requests.map((spec) => ({
      ...spec,
      setupRequest: (req: RequestSpec) => ({ ...req, headers: { ...req.headers, authorization: `Bearer ${tokens[next++ % tokens.length]}` } }),
    })),
  });
}

interface KindResult {
  rows: Map<string, Result>;
  memory: Array<{ label: string; m: LoadServerMemory }>;
}

async function runKind(kind: 'PGlite' | 'PostgreSQL', issuer: ForgeTokenIssuer & { jwksUrl: string }, upstreamUrl: string, databaseUrl: string): Promise<KindResult> {
  const server = await startServer({
    BENCH_DATABASE_URL: databaseUrl,
    BENCH_APP_ID: TEST_APP_ID,
    BENCH_JWKS_URL: issuer.jwksUrl,
    BENCH_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  });
  try {
    const targets = await createLoadTargets(server.url, upstreamUrl, () => issuer.mint({ installationId: TENANT }));
    const all = scenarios(targets);
    const mixed = all.find((s) => s.name === 'mixed')!;
    progress(`${kind}: warm-up`);
    await load(server.url, issuer, mixed, 3);
    const memory = [{ label: 'before', m: await server.memory() }];
    const rows = new Map<string, Result>();
    for (const scenario of all.filter((s) => s !== mixed)) {
      progress(`${kind}: ${scenario.name}`);
      rows.set(scenario.name, await load(server.url, issuer, scenario, SCENARIO_S));
    }
    for (let round = 1; round <= MIXED_ROUNDS; round += 1) {
      progress(`${kind}: mixed round ${round}`);
      const r = await load(server.url, issuer, mixed, MIXED_S);
      rows.set(`mixed, round ${round} (${MIXED_S} s)`, r);
      memory.push({ label: `after mixed round ${round}`, m: await server.memory() });
    }
    return { rows, memory };
  } finally {
    await server.stop();
  }
}

const errorsOf = (r: Result) => r.errors + r.timeouts + r.non2xx;

export default async function loadBench(): Promise<string> {
  const issuer = await ForgeTokenIssuer.start();
  const upstream = await startLoadUpstream();
  const database = `oc_bench_load_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const pgUrl = new URL(POSTGRES_ADMIN);
  pgUrl.pathname = `/${database}`;
  try {
    const kinds = [
      ['PGlite', await runKind('PGlite', issuer, upstream.url, '')],
      ['PostgreSQL', await runKind('PostgreSQL', issuer, upstream.url, pgUrl.toString())],
    ] as const;
    const names = [...kinds[0][1].rows.keys()];
    const cell = (r: Result | undefined) => (r ? `${Math.round(r.requests.average)} | ${r.latency.p50} | ${r.latency.p99} | ${errorsOf(r)} of ${r.requests.total}` : '– | – | – | –');
    const lines = [
      '## Sustained mixed load (`bench/load.bench.ts`)',
      '',
      `A real listening companion in its own process, ${CONNECTIONS} connections from autocannon, every request with its own valid Forge token ` +
        `(a pool of ${TOKEN_POOL} minted right before each run), ${SCENARIO_S} s per scenario and ${MIXED_ROUNDS} × ${MIXED_S} s of the mix ` +
        '(per connection in turn: 4 × options with a warm cache, 1 × options without cache — an upstream call on loopback answering 100 rows —, ' +
        '1 × recalculate of two dependent fields, 2 × admin reads). Latencies in ms; errors = socket errors + timeouts + non-2xx answers.',
      '',
      '| scenario | PGlite req/s | p50 | p99 | errors | PostgreSQL req/s | p50 | p99 | errors |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...names.map((n) => `| ${n} | ${cell(kinds[0][1].rows.get(n))} | ${cell(kinds[1][1].rows.get(n))} |`),
      '',
      'Companion memory after a full GC (MB, RSS / heap used), before the measured runs and after each mixed round:',
      '',
      '| moment | PGlite | PostgreSQL |',
      '|---|---:|---:|',
      ...kinds[0][1].memory.map((row, i) => {
        const other = kinds[1][1].memory[i]!;
        return `| ${row.label} | ${mb(row.m.rss)} / ${mb(row.m.heapUsed)} | ${mb(other.m.rss)} / ${mb(other.m.heapUsed)} |`;
      }),
      '',
      ...kinds.map(([kind, r]) => {
        const heaps = r.memory.slice(1).map((x) => x.m.heapUsed);
        const growth = heaps[heaps.length - 1]! - heaps[0]!;
        return `- ${kind}: heap after GC from the first to the last mixed round: ${growth >= 0 ? '+' : ''}${mb(growth)} MB (${heaps.map(mb).join(' → ')}).`;
      }),
      '- PGlite serves one connection at a time (the companion sizes its pool to 1), so its database-bound rows measure that queue; the warm-cache options path needs no database round trip on either (on PostgreSQL while its change listener can vouch: docs/SCALING.md).',
      '',
    ];
    return lines.join('\n');
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await upstream.close();
    await issuer.stop();
  }
}
