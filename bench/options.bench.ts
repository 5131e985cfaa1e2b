// Options with a warm cache (100 options) against the anchor of DESIGN.md "Non-functional": a bare
// node:http server that verifies the same kind of token with jose `jwtVerify` (same JWKS) and answers
// the same bytes. On PostgreSQL and on the embedded database; each server in its own process, the
// load from this one (undici, keep-alive), both servers in one run in interleaved rounds, every
// request with its own valid token (no token is sent twice to a server), the companion at its
// default log level. Then cold misses against a local upstream, on both databases: the companion's own time.
//
// After the measured runs, a profiled phase of its own (the profiler's overhead stays out of the
// figures): the CPU of both servers under the same load, then of cold misses, broken down per request
// (bench/support/profile-summary.ts). The profiles are kept in BENCH_CPU_PROF=<dir> if given.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import pg from 'pg';
import { Agent, request } from 'undici';
import { ForgeTokenIssuer, TEST_APP_ID } from '../tests/helpers/forge-tokens.js';
import { runLoad, type LoadResult } from './support/undici-load.js';
import { summarize } from './support/profile-summary.js';

const CONNECTIONS = 32;
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1_500);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 5_000);
const ROUNDS = 3;
const COLD_SAMPLES = Number(process.env.BENCH_COLD ?? 200);
const PROFILED_HITS = Number(process.env.BENCH_PROFILED ?? 3_000);
const PROFILED_MISSES = 100;
/** Misses before the measured ones: the anchor's code has run thousands of times in the load by then, the companion's miss path not once. */
const WARMUP_MISSES = Number(process.env.BENCH_WARMUP_MISSES ?? 500);
/** After each miss: the companion writes the entry once it has answered; that write is not to slow the next sample, the upstream's or the anchor's. */
const SETTLE_AFTER_MISS_MS = 2;
/** After a second instance has started: its listener's heartbeat has reached the first by then. */
const PEER_SETTLE_MS = 1_000;
/** Misses not measured before the two-instance samples (the lease-first path has not run yet). */
const WARMUP_MISSES_TWO = Math.min(200, WARMUP_MISSES);
/**
 * Every server sees each token at most once: warm-up, rounds, the cold-miss samples (twice on
 * PostgreSQL: alone, then one of two instances, with that warm-up), the profiled runs.
 */
const TOKEN_POOL = WARMUP + ROUNDS * PER_ROUND + 2 * COLD_SAMPLES + WARMUP_MISSES + WARMUP_MISSES_TWO + PROFILED_HITS + PROFILED_MISSES + 10;
/** When the steps of MISS_STEPS were measured, and what they were (temporary timestamps, for the text). */
const MISS_STEPS_DATE = 'on 2026-12-01, in a run where the lone miss\'s overhead was 0.67 ms, 0.95 ms with a second instance';
const MISS_STEPS = [
  'from arrival: the token check, started as the headers arrive, done at 0.35 ms (the anchor does it too, once the body is in); the',
  'body parsed and validated, the caller, the field and datasource copies, the cache key and the memory lookup, then the route\'s',
  'field lookup 0.11 ms; connectedOptions up to its key 0.02 ms; the request built and sent (no statement: alone) 0.09 ms; the upstream',
  'exchange to its headers 0.56 ms (the bench\'s own call to the same upstream, body included: 0.56 ms in that run); the body 0.02 ms;',
  'JSON.parse 0.07 ms; JSONPath 0.04 ms; the rows mapped, the entry remembered and counted 0.07 ms; the answer serialized 0.05 ms;',
  'written with its log line and histogram, until the response\'s `finish` 0.18 ms. With a second instance on the database, the',
  'lease statement took 0.47 ms between the key and the request sent (0.03 ms after it: the request is built meanwhile).',
].join('\n');
const POSTGRES_ADMIN = process.env.OC_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const serverSource = fileURLToPath(new URL('./support/options-server.ts', import.meta.url));
// Two levels below the root, as the sources are (the companion finds prisma/migrations from its file).
const serverScript = fileURLToPath(new URL('../dist/bench/options-server.mjs', import.meta.url));

/**
 * The servers run as `npm start` runs the companion (scripts/start-companion.mjs): one esbuild
 * bundle of our TypeScript, the packages external, plain Node. Through tsx the code would differ
 * (its keep-names helper wraps every function, and a profile shows it on the hot path).
 */
async function bundleServer() {
  await build({
    entryPoints: [serverSource],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile: serverScript,
    logLevel: 'warning',
  });
}

interface Server {
  url: string;
  /** The log collector's process (`cat`), whose CPU is reported apart. */
  collectorPid: number;
  /** Lines the server has written to its stdout (its log) so far. */
  logLines(): number;
  /** Starts, then stops and writes, the server's CPU profile (`<dir>/<name>-<mode>.cpuprofile`). */
  profile(step: 'start' | 'stop', name?: string): Promise<void>;
  pid: number;
  /** The upstream's count of the calls it had under a path prefix (`upstream` mode only). */
  counted(prefix: string): Promise<number>;
  /** The next unused token of the pool for this server. */
  nextToken: number;
  stop(): Promise<void>;
}

const progress = (m: string) => console.error(`[options.bench ${new Date().toISOString().slice(11, 19)}] ${m}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** utime + stime of one process, in µs (Linux /proc; 100 ticks a second). */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/**
 * Starts a server process. Its stdout (the companion's log) is a pipe to a collector process of its
 * own (`cat` into a file), as a container runtime collects a container's output: the load generator
 * in this process never reads it, and the collector's CPU is measured apart (`collectorCpuMicros`).
 */
async function startServer(mode: 'anchor' | 'companion' | 'upstream', env: Record<string, string>, profiling: string): Promise<Server> {
  const logPath = join(profiling, `${mode}-${process.pid}-${Date.now()}.log`);
  const sink = openSync(logPath, 'w');
  const collector = spawn('cat', [], { stdio: ['pipe', sink, 'inherit'] });
  closeSync(sink);
  const child: ChildProcess = spawn(process.execPath, [serverScript, mode], {
    env: { ...process.env, LOG_LEVEL: '', BENCH_CPU_PROF: profiling, ...env },
    stdio: ['ignore', collector.stdin!, 'inherit', 'ipc'],
  });
  // The collector has the only reader; this process keeps no end of the pipe open.
  collector.stdin!.destroy();
  // Lines counted from what the collector wrote, read between runs (never during a load run).
  let lines = 0;
  let offset = 0;
  const countLines = () => {
    const fd = openSync(logPath, 'r');
    try {
      const chunk = Buffer.alloc(1 << 20);
      for (let n = readSync(fd, chunk, 0, chunk.length, offset); n > 0; n = readSync(fd, chunk, 0, chunk.length, offset)) {
        for (let i = chunk.indexOf(10); i !== -1 && i < n; i = chunk.indexOf(10, i + 1)) lines += 1;
        offset += n;
      }
    } finally {
      closeSync(fd);
    }
    return lines;
  };
  const tail = () => readFileSync(logPath, 'utf8').slice(-2000);
  process.once('exit', () => {
    child.kill('SIGKILL');
    collector.kill('SIGKILL');
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}: ${tail()}`)));
    child.once('message', (m: { ready: number }) => {
      child.removeAllListeners('exit');
      resolve({
        url: `http://127.0.0.1:${m.ready}`,
        pid: child.pid!,
        collectorPid: collector.pid!,
        logLines: countLines,
        nextToken: 0,
        counted: (prefix) =>
          new Promise<number>((done) => {
            child.once('message', (reply: { counted: number }) => done(reply.counted));
            child.send({ count: prefix });
          }),
        profile: (step, name) => {
          const file = join(profiling, `${name ?? ''}-${mode}.cpuprofile`);
          return new Promise<void>((done) => {
            child.once('message', () => done());
            child.send({ profile: step, file });
          });
        },
        stop: () => new Promise<void>((done) => {
          collector.once('exit', () => done());
          if (child.exitCode !== null || child.signalCode !== null) collector.kill('SIGTERM');
          else child.kill('SIGTERM');
        }),
      });
    });
  });
}

const agent = new Agent({ keepAliveTimeout: 60_000 });

async function call(url: string, token: string, body: unknown) {
  const res = await request(url, { dispatcher: agent, method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${url} answered ${res.statusCode}: ${text}`);
  return text;
}

/**
 * Each of `steps` timed `times` times, one request at a time, interleaved (a, b, c, a, b, c, …) so
 * that the machine's drift during the run weighs on all of them alike; the median of each, in ms.
 * `settle`: how long to wait after a step before the next one, untimed.
 */
async function interleaved<K extends string>(
  times: number,
  steps: Record<K, (i: number) => Promise<unknown>>,
  settle: Partial<Record<K, number>> = {},
): Promise<Record<K, number>> {
  const names = Object.keys(steps) as K[];
  const ms = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < times; i += 1) {
    if (i % 100 === 0) progress(`cold misses ${i}/${times}`);
    for (const k of names) {
      const t = performance.now();
      await steps[k](i);
      ms[k].push(performance.now() - t);
      const wait = settle[k];
      if (wait) await sleep(wait);
    }
  }
  return Object.fromEntries(names.map((k) => [k, median(ms[k])])) as Record<K, number>;
}

interface Totals {
  requests: number;
  seconds: number;
  cpuMicros: number;
  collectorMicros: number;
  logLines: number;
  p50: number[];
  p99: number[];
}

/** A load run on one server with its own next tokens; also its CPU time and log lines meanwhile. */
async function measure(server: Server, path: string, tokens: string[], body: string, requests: number) {
  const cpu = cpuMicros(server.pid);
  const collected = cpuMicros(server.collectorPid);
  const lines = server.logLines();
  const r: LoadResult = await runLoad({ url: `${server.url}${path}`, body, tokens, firstToken: server.nextToken, requests, connections: CONNECTIONS });
  server.nextToken += requests;
  if (r.failures > 0) throw new Error(`${server.url}: ${r.failures} of ${requests} requests failed`);
  return { r, cpu: cpuMicros(server.pid) - cpu, collectorCpu: cpuMicros(server.collectorPid) - collected, lines: server.logLines() - lines };
}

/**
 * The two servers in alternating rounds (anchor, companion, anchor, …): the machine is shared, and
 * alternating spreads any drift in its load over both instead of charging it to one.
 */
async function loadPair(anchor: Server, companion: Server, path: string, tokens: string[], body: string) {
  await measure(anchor, path, tokens, body, WARMUP); // JIT, connections, JWKS fetch
  await measure(companion, path, tokens, body, WARMUP);
  const empty = (): Totals => ({ requests: 0, seconds: 0, cpuMicros: 0, collectorMicros: 0, logLines: 0, p50: [], p99: [] });
  const totals = { anchor: empty(), companion: empty() };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, server] of [['anchor', anchor], ['companion', companion]] as const) {
      const { r, cpu, collectorCpu, lines } = await measure(server, path, tokens, body, PER_ROUND);
      const t = totals[name];
      t.requests += r.requests;
      t.seconds += r.seconds;
      t.cpuMicros += cpu;
      t.collectorMicros += collectorCpu;
      t.logLines += lines;
      t.p50.push(r.p50);
      t.p99.push(r.p99);
      progress(`round ${round + 1} ${name}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99.toFixed(2)} ms`);
    }
  }
  const summary = (t: Totals) => ({
    rps: t.requests / t.seconds,
    p50: median(t.p50),
    p99: median(t.p99),
    cpuPerRequest: t.cpuMicros / t.requests,
    collectorPerRequest: t.collectorMicros / t.requests,
    logLinesPerRequest: t.logLines / t.requests,
  });
  return { anchor: summary(totals.anchor), companion: summary(totals.companion) };
}

function hitBreakdown(database: string, anchorFile: string, companionFile: string): string {
  const a = summarize(anchorFile, PROFILED_HITS);
  const c = summarize(companionFile, PROFILED_HITS);
  const of = (groups: ReadonlyArray<readonly [string, number]>, g: string) => groups.find(([name]) => name === g)?.[1] ?? 0;
  const names = [...new Set([...c.groups.map(([g]) => g), ...a.groups.map(([g]) => g)])].filter((g) => of(c.groups, g) >= 1 || of(a.groups, g) >= 1);
  return [
    `${database}, a warm-cache hit: main-thread CPU per request, anchor ${a.total.toFixed(0)} µs, companion ${c.total.toFixed(0)} µs.`,
    '',
    '| part | anchor µs/req | companion µs/req |',
    '|---|---:|---:|',
    ...names.map((g) => `| ${g} | ${of(a.groups, g).toFixed(0)} | ${of(c.groups, g).toFixed(0)} |`),
  ].join('\n');
}

/** Rows for the summary table at the top of docs/BENCHMARKS.md (bench/run.ts): what | measured | goal. */
export const summary: string[] = [];

export default async function optionsBench(): Promise<string> {
  await bundleServer();
  const issuer = await ForgeTokenIssuer.start();
  const env = { BENCH_JWKS_URL: issuer.jwksUrl, BENCH_APP_ID: TEST_APP_ID };
  const profiles = process.env.BENCH_CPU_PROF || (await mkdtemp(join(tmpdir(), 'oc-bench-prof-')));
  const up = await startServer('upstream', {}, profiles);
  progress(`minting ${TOKEN_POOL} distinct tokens`);
  const tokens = await Promise.all(Array.from({ length: TOKEN_POOL }, () => issuer.mint({ moduleKey: 'connected-field-edit', expiresIn: 3600 })));
  const admin = () => issuer.mint({ expiresIn: 1800 });
  const body = { context: { issue: { key: 'PRJ-1', fields: {} } } };
  const bodyText = JSON.stringify(body);
  const path = '/v1/fields/customfield_10050/options';
  const rows: string[] = [];
  const coldRows: string[] = [];
  const breakdown: string[] = [];
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
      progress(`starting the anchor and the companion on ${database}`);
      const anchor = await startServer('anchor', env, profiles);
      const companion = await startServer('companion', { ...env, BENCH_DATABASE_URL: dbUrl }, profiles);
      const tag = database === 'PostgreSQL' ? 'postgres' : 'pglite';
      try {
        const ds = JSON.parse(await call(`${companion.url}/v1/admin/datasources`, await admin(), { name: 'Bench', type: 'rest', config: { baseUrl: up.url } })) as { id: string };
        const field = { datasourceId: ds.id, editor: 'select', storage: 'object', resultPath: '$.items[*]', idTemplate: '${row.id}', displayTemplate: '${row.name}' };
        await call(`${companion.url}/v1/admin/fields`, await admin(), { ...field, key: 'customfield_10050', name: 'Customer', query: '/customers' });
        await call(`${companion.url}/v1/admin/fields`, await admin(), { ...field, key: 'customfield_10051', name: 'Cold', query: '/customers?nonce=$userInput' });
        const take = (s: Server) => tokens[s.nextToken++]!;
        await call(`${companion.url}${path}`, take(companion), body);
        const sample = await call(`${companion.url}${path}`, take(companion), body);
        const anchorSample = await call(`${anchor.url}${path}`, take(anchor), body);
        if (!sample.includes('"cache":"hit"') || sample !== anchorSample) throw new Error('the companion and the anchor do not answer the same bytes');

        progress('load: anchor and companion, alternating');
        const { anchor: a, companion: o } = await loadPair(anchor, companion, path, tokens, bodyText);
        const ratio = o.rps / a.rps;
        const p99Ratio = o.p99 / a.p99;
        summary.push(
          `| options, warm cache, ${database}: rate vs anchor | ${(ratio * 100).toFixed(0)} % (${o.rps.toFixed(0)} vs ${a.rps.toFixed(0)} req/s) | ≥ 80 % ${ratio >= 0.8 ? '✅' : '❌'} |`,
          `| options, warm cache, ${database}: p99 vs anchor | ${p99Ratio.toFixed(2)}× (${o.p99.toFixed(2)} vs ${a.p99.toFixed(2)} ms) | ≤ 1.5× ${p99Ratio <= 1.5 ? '✅' : '❌'} |`,
        );
        const line = (who: string, s: typeof a) =>
          `| ${database} | ${who} | ${s.rps.toFixed(0)} | ${s.p50.toFixed(2)} | ${s.p99.toFixed(2)} | ${s.cpuPerRequest.toFixed(0)} | ${s.logLinesPerRequest.toFixed(2)} | ${s.collectorPerRequest.toFixed(1)} |`;
        rows.push(
          `${line('anchor (node:http + jose)', a)} | |`,
          `${line('companion, warm cache', o)} ${(ratio * 100).toFixed(0)} % ${ratio >= 0.8 ? '✅' : '❌'} | ${p99Ratio.toFixed(2)}× ${p99Ratio <= 1.5 ? '✅' : '❌'} |`,
        );

        progress('profiled hits, anchor then companion');
        for (const server of [anchor, companion]) {
          await server.profile('start');
          await measure(server, path, tokens, bodyText, PROFILED_HITS);
          await server.profile('stop', `hit-${tag}`);
        }
        breakdown.push(hitBreakdown(database, join(profiles, `hit-${tag}-anchor.cpuprofile`), join(profiles, `hit-${tag}-companion.cpuprofile`)));

        // Cold misses on both databases; the goal (issue 14) is PostgreSQL's, the embedded one is for comparison.
        {
          const coldUrl = `${companion.url}/v1/fields/customfield_10051/options`;
          /** Cold misses measured against the anchor and the upstream (after `warmup` unmeasured ones); one summary row and one table row. */
          const coldMisses = async (label: string, prefix: string, warmup: number, goal: boolean) => {
            for (let i = 0; i < warmup; i += 1) await call(coldUrl, take(companion), { ...body, input: `${prefix}w${i}` });
            const hitsBefore = await up.counted('/customers?nonce=');
            const { upstream, anchor: anchorMs, miss: missMs } = await interleaved(COLD_SAMPLES, {
              upstream: (i) => request(`${up.url}/customers?nonce=direct-${tag}-${prefix}${i}`, { dispatcher: agent }).then((r) => r.body.text()),
              anchor: (i) => call(`${anchor.url}/v1/fields/customfield_10051/options`, take(anchor), { ...body, input: `${prefix}b${i}` }),
              miss: async (i) => {
                const r = await call(coldUrl, take(companion), { ...body, input: `${prefix}m${i}` });
                if (!r.includes('"cache":"miss"')) throw new Error(`expected a miss, got ${r.slice(-40)}`);
              },
            }, { miss: SETTLE_AFTER_MISS_MS });
            const upstreamCalls = (await up.counted('/customers?nonce=')) - hitsBefore - COLD_SAMPLES;
            const overhead = missMs - anchorMs - upstream;
            const mark = goal ? ` ${overhead < 1 ? '✅' : '❌'}` : '';
            summary.push(`| cold miss, ${label}: companion overhead over the upstream and the token check, median | ${overhead.toFixed(2)} ms | ${goal ? `< 1 ms${mark}` : 'none (for comparison)'} |`);
            coldRows.push(
              `| ${label} | ${upstreamCalls} | ${upstream.toFixed(2)} | ${anchorMs.toFixed(2)} | ${missMs.toFixed(2)} | ${(missMs - upstream).toFixed(2)} | ${overhead.toFixed(2)}${mark} |`,
            );
          };
          await coldMisses(database, '', WARMUP_MISSES, database === 'PostgreSQL');
          if (database === 'PostgreSQL') {
            // The same instance once another one is on the database: every miss takes the fill
            // lease before it calls the upstream (docs/SCALING.md), one more round trip.
            progress('a second instance on the same database');
            const second = await startServer('companion', { ...env, BENCH_DATABASE_URL: dbUrl }, profiles);
            try {
              await new Promise((r) => setTimeout(r, PEER_SETTLE_MS));
              await coldMisses(`${database}, one of two instances`, 'two-', WARMUP_MISSES_TWO, false);
            } finally {
              await second.stop();
            }
          }
          await companion.profile('start');
          for (let i = 0; i < PROFILED_MISSES; i += 1) await call(coldUrl, take(companion), { ...body, input: `p${i}` });
          await companion.profile('stop', `miss-${tag}`);
          const miss = summarize(join(profiles, `miss-${tag}-companion.cpuprofile`), PROFILED_MISSES);
          breakdown.push(
            [
              `Main-thread time of a cold miss on ${database} (${PROFILED_MISSES} profiled misses, one at a time): ${miss.total.toFixed(0)} µs per miss.`,
              '',
              '| part | µs per miss |',
              '|---|---:|',
              ...miss.groups.filter(([, us]) => us >= 1).map(([g, us]) => `| ${g} | ${us.toFixed(0)} |`),
            ].join('\n'),
          );
        }
      } finally {
        await companion.stop();
        await anchor.stop();
        if (dbName) {
          const c = new pg.Client({ connectionString: POSTGRES_ADMIN });
          await c.connect();
          await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
          await c.end();
        }
      }
    }
  } finally {
    await up.stop();
    await issuer.stop();
    await agent.close();
    if (!process.env.BENCH_CPU_PROF) await rm(profiles, { recursive: true, force: true });
  }
  return [
    '## Options: warm cache vs the anchor, and a cold miss (`bench/options.bench.ts`)',
    '',
    `Anchor (DESIGN.md "Non-functional"): a bare \`node:http\` server that verifies the token with jose \`jwtVerify\` against the same JWKS and answers`,
    'the same bytes (checked before the load). Each server runs in its own process and a fresh pair per database; the companion at its default',
    'log level (`info`), its log on stdout: a pipe to a collector process of its own (`cat` into a file), as a container runtime collects',
    'it, so the load generator never reads it; the collector\'s CPU is a column of its own. Load: undici from the bench process, ' +
      `${CONNECTIONS} keep-alive connections with one request in flight each, ${WARMUP} warm-up requests per server, then ${ROUNDS} alternating rounds`,
    `(anchor, companion, anchor, …) of ${PER_ROUND} requests each. Every request carries its own valid RS256 Forge-style token from a pool of ${TOKEN_POOL}`,
    'distinct ones: no server sees a token twice. Rate = all requests / all seconds of the rounds; p50/p99 = median over the rounds (per-request',
    'latency measured by the client); CPU = the server process\'s user + system time during the rounds, per request (/proc).',
    'The field answers 100 options from the cache (`cache: "hit"`). Goals: at least 80 % of the anchor\'s rate, p99 at most 1.5× the anchor\'s.',
    '',
    '| database | server | req/s | p50 ms | p99 ms | server CPU µs/req | log lines/req | log collector CPU µs/req | rate vs anchor | p99 vs anchor |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Cold miss, one request at a time, ${COLD_SAMPLES} distinct inputs per database (every one a miss), medians in ms: the upstream called`,
    'directly (its own time, with one HTTP round trip), the anchor (HTTP round trip + token check), the companion\'s miss, and its overhead',
    'over the upstream (token check included), then over the upstream and the token check (miss − anchor − upstream). The upstream runs',
    'in a process of its own, as a real one does: called directly by the bench or by the companion, each call crosses the same process',
    'boundary (before, it ran inside the bench process, so calling it directly crossed none and the companion\'s call was charged two',
    `process wake-ups the direct call never had). The three are sampled in turn (upstream, anchor, miss, upstream, …) so that the`,
    `machine's drift weighs on all three alike, and the bench waits ${SETTLE_AFTER_MISS_MS} ms after each miss: the companion writes the entry once it`,
    'has answered, and that write is not to slow the next sample of the upstream or the anchor (which would make the overhead look smaller).',
    `Before the samples, ${WARMUP_MISSES} misses that are not measured: by then the anchor's code has run thousands of times in the load above and`,
    'the companion\'s hits too, but its miss path (and the upstream) not once, and V8 runs code it has seen little of far slower.',
    '',
    '| database | upstream calls from the companion | upstream | anchor | companion, cold miss | miss − upstream | miss − anchor − upstream |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...coldRows,
    '',
    '### Where the CPU goes (profiled runs)',
    '',
    `After the measured runs, ${PROFILED_HITS} more hits per server under the same load with V8's sampling profiler on (100 µs), apart from the`,
    'figures above. Self time per request on the main thread, grouped by the code it belongs to; native work (a socket write, the WebCrypto',
    'RSA check) counts for the code that called it. The companion is profiled as `npm start` runs it, an esbuild bundle (bench/support/profile-summary.ts',
    'maps it back to our modules). Profiles make each request slower, so these add up to more than the CPU column above; compare the columns.',
    '',
    ...breakdown.flatMap((b) => [b, '']),
    'What a hit does in the companion beyond the anchor, in order (companion/http/hot-path.ts: a warm hit is answered at the server\'s',
    'request event, beside Fastify; a request not found in memory is resolved there as the route resolves it, anything else handed to Fastify): the request\'s method, URL and',
    'headers looked at (one route, a JSON body of a known length, a Bearer token); the body read while the token is checked (the same',
    'jose `jwtVerify`, RSA through WebCrypto, as in the anchor: the companion does not cache verified tokens, so the distinct-token load',
    'costs it the same); the tenant id from memory; the body parsed as Fastify parses it (secure-json-parse) and validated with the',
    'route\'s own schemas (Ajv), numbers checked finite, the caller settled; the field and datasource from in-process copies (on',
    'PostgreSQL while the instance\'s change listener vouches for the tenant\'s change sequence, pushed to it: docs/SCALING.md); the cache',
    'key, remembered per field copy for a query with no template in it (a plain `/customers`), else rendered and HMAC-SHA256\'d; the',
    'in-process entry found; the whole list sent as the bytes the route\'s serializer made of it on its first hit (no serialization per',
    'hit); the route\'s latency histogram, the datasource\'s hit count and one log line. What it no longer does: Fastify\'s request',
    'pipeline (request and reply objects, hooks, the body reader, routing), a promise or an await between the token check and the',
    'answer, pino\'s redaction on that log line (it holds no header, only id, method, URL, status and time: redaction doubled its cost),',
    'serializing 100 options, and any database round trip.',
    '',
    'A cold miss, in order: the hot path takes it (companion/http/hot-path.ts) and starts the token check as the headers arrive, while',
    'the body comes in (the anchor checks once the body is in); the body parsed and validated, the caller settled, the field and',
    'datasource from in-process copies (on PostgreSQL while the change listener vouches for the tenant\'s sequence), the cache key',
    '(rendered, HMAC-SHA256), the in-process entry looked up: not there. Since this stop the hot path then resolves the request itself',
    'with the route\'s own steps (connectedOptions and paging, then the serializer Fastify compiled for the route; a failure goes to the',
    'route with its outcome, so Fastify\'s error handler answers it without a second upstream call): before, a miss was handed to',
    'Fastify and paid its whole request pipeline too. Then: on the embedded database, and on PostgreSQL while no other instance is on',
    'the database (the change listener has heard of none), no statement before the upstream call, as the store cannot hold the key',
    '(companion/cache/options-cache.ts keeps the keys it wrote and those it read once, at the first miss; each instance heard of makes',
    'it read them again); with another instance on the database, one statement first that reads the shared entry and takes the key\'s',
    'fill lease (the request is built meanwhile): the second PostgreSQL row above, one database round trip more (docs/SCALING.md). A lone',
    'miss whose request is still out after 5 ms takes the lease then, so an instance that starts meanwhile waits for that fill; sent',
    'beside every request instead, that statement slowed the upstream\'s answer on this 2-core machine more than it saved (0.86 ms',
    'against 0.64 ms for the exchange, in temporary timestamps of one partial run). The upstream call: undici, one keep-alive connection',
    'per origin through the egress guard (the measured misses opened no connection); the exchange\'s timeout a plain timer that aborts',
    'through an EventEmitter, which undici takes as a signal, and the body read by its events: measured one request at a time with 3 ms',
    'of idle between (median of 800), the exchange cost 0.13 ms more than a bare undici request with an AbortSignal.timeout and',
    '`for await`, 0.02-0.03 ms now. Then JSON.parse, JSONPath (jsonpath-plus keeps compiled paths) and the rows mapped (a one-property',
    'template such as `${row.name}` is read from the row without Velocity); the answer serialized, written and its log line; on the',
    'next turn of the event loop, one statement that writes the entry (and releases a lease). The statements go straight to pg, on one',
    'connection the instance keeps for them while it is idle (through the pool when it is busy: pg-pool arms a timer and writes on the',
    'next tick per statement), and commit without waiting for the WAL flush (`set_config(\'synchronous_commit\', \'off\', true)`: their',
    'own transaction only; a crash of PostgreSQL can lose only the last moments of cache entries and leases, which costs an upstream',
    'call again; before, that flush was most of a miss, about 4 ms on this machine\'s disk).',
    `Where a lone miss's time goes now, from temporary timestamps inside the companion (not committed; this harness, PostgreSQL, 400 misses after the warm-up, medians, ${MISS_STEPS_DATE}):`,
    MISS_STEPS,
    'Code runs slowly here after the core has been idle: one at a time, each server waits between its samples, and on this VM the',
    'same `new URL()` took 2 µs back to back and 17 µs with 4 ms of idle before each (medians of 2,000). So the JavaScript of a miss',
    'costs several times what the same code costs under load, and the overhead follows the machine\'s state: compare it with the',
    'anchor\'s own time in the same row. The profile above is sampled in wall time: a sample lands on the frame the thread',
    'was in when it got a core back, so the socket writes (each wakes the receiving process) look costlier than they are.',
    '',
  ].join('\n');
}
