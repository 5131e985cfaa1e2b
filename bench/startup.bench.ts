// Start-up: `npm start` exactly as the README says it, as a real process group, timed from spawn to
// the first `GET /ready` answering 200, with the CPU time the whole group (npm, the companion)
// had used by then. First start: an empty DATA_DIR (embedded: PGlite's initdb, then every migration)
// or an empty PostgreSQL database; restart: the same folder or database, nothing to migrate.
// Also: what the metrics cost a cache hit (route histogram + cache counter + health window).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { createCompanionMetrics } from '../companion/metrics/companion-metrics.js';

const ROUNDS = 3;
const PORT = 18_500 + Math.floor(Math.random() * 500);
const POSTGRES_ADMIN = process.env.OC_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const root = fileURLToPath(new URL('..', import.meta.url));
const progress = (line: string) => console.error(`[startup] ${line}`);

/** utime + stime of every process in the group, in seconds (Linux /proc; 100 ticks a second). */
async function groupCpuSeconds(pgid: number): Promise<number> {
  let ticks = 0;
  for (const pid of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / 100;
}

/** Whether any process of the group led by `pid` is still there (signal 0 only checks). */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function timeStart(env: Record<string, string>): Promise<{ wall: number; cpu: number }> {
  const started = performance.now();
  const child = spawn('npm', ['start'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PORT: String(PORT), LOG_LEVEL: 'warn', CHECKPOINT_DISABLE: '1', ...env },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited:\n${stderr}`);
      const ready = await fetch(`http://127.0.0.1:${PORT}/ready`).then((r) => r.status === 200, () => false);
      if (ready) break;
      if (performance.now() - started > 120_000) throw new Error(`not ready in 120 s:\n${stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const wall = (performance.now() - started) / 1000;
    return { wall, cpu: await groupCpuSeconds(child.pid!) };
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
    // The group's other members (the companion under npm) may outlive npm: the embedded database
    // still writes its files while it shuts down (removing its directory then failed with
    // ENOTEMPTY). Wait until the whole group is gone.
    for (let i = 0; i < 400 && groupAlive(child.pid!); i += 1) await new Promise((r) => setTimeout(r, 25));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const cell = (runs: Array<{ wall: number; cpu: number }>) =>
  `${median(runs.map((r) => r.wall)).toFixed(2)} s | ${median(runs.map((r) => r.cpu)).toFixed(2)} s`;

async function embedded() {
  const first: Array<{ wall: number; cpu: number }> = [];
  const again: Array<{ wall: number; cpu: number }> = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const dir = await mkdtemp(join(tmpdir(), 'oc-bench-start-'));
    try {
      first.push(await timeStart({ DATA_DIR: dir }));
      again.push(await timeStart({ DATA_DIR: dir }));
      progress(`embedded round ${round + 1}: first ${first.at(-1)!.wall.toFixed(2)} s, restart ${again.at(-1)!.wall.toFixed(2)} s`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return { first, again };
}

async function postgres() {
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN });
  await admin.connect();
  const first: Array<{ wall: number; cpu: number }> = [];
  const again: Array<{ wall: number; cpu: number }> = [];
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      const name = `oc_bench_start_${randomBytes(4).toString('hex')}`;
      await admin.query(`CREATE DATABASE ${name}`);
      const url = new URL(POSTGRES_ADMIN);
      url.pathname = `/${name}`;
      const dir = await mkdtemp(join(tmpdir(), 'oc-bench-start-'));
      try {
        first.push(await timeStart({ DATABASE_URL: url.toString(), DATA_DIR: dir }));
        again.push(await timeStart({ DATABASE_URL: url.toString(), DATA_DIR: dir }));
        progress(`postgres round ${round + 1}: first ${first.at(-1)!.wall.toFixed(2)} s, restart ${again.at(-1)!.wall.toFixed(2)} s`);
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await rm(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await admin.end();
  }
  return { first, again };
}

/** ns per cache hit for what the metrics record (the route's histogram, the cache counter, the health window). */
function instrumentationCost(): number {
  const metrics = createCompanionMetrics();
  const route = metrics.route('POST', '/v1/fields/:id/options');
  const tenant = randomUUID();
  const datasource = randomUUID();
  const hit = () => {
    route.observe(200, 0.0004);
    metrics.datasource(tenant, datasource, 'rest').cache('hit');
  };
  for (let i = 0; i < 200_000; i += 1) hit();
  const n = 2_000_000;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i += 1) hit();
  return Number(process.hrtime.bigint() - t0) / n;
}

/** Rows for the summary table at the top of docs/BENCHMARKS.md (bench/run.ts): what | measured | goal. */
export const summary: string[] = [];

export default async function startupBench(): Promise<string> {
  const e = await embedded();
  const p = await postgres().catch((error: unknown) => {
    progress(`PostgreSQL skipped: ${(error as Error).message}`);
    return undefined;
  });
  const ns = instrumentationCost();
  const wall = (runs: Array<{ wall: number }>) => median(runs.map((r) => r.wall));
  for (const [name, r] of [['embedded (PGlite)', e], ['PostgreSQL', p]] as const) {
    if (!r) continue;
    summary.push(
      `| start-up, ${name}: restart, nothing to migrate | ${wall(r.again).toFixed(2)} s | ≤ 3 s ${wall(r.again) <= 3 ? '✅' : '❌'} |`,
      `| start-up, ${name}: first start | ${wall(r.first).toFixed(2)} s | ≤ 10 s ${wall(r.first) <= 10 ? '✅' : '❌'} |`,
    );
  }
  return [
    '## Start-up (`bench/startup.bench.ts`)',
    '',
    `\`npm start\` as a newcomer types it (npm → scripts/start-companion.mjs, which has esbuild bundle the companion only when a source changed since the last bundle, so these starts reuse it; Node runs it, the embedded database on a thread of its own; one process group), from spawn to the first \`GET /ready\` 200, median of ${ROUNDS} rounds; CPU = user + system time of the whole group by then (from /proc). First start: an empty \`DATA_DIR\` (embedded: PGlite creates its cluster, then every migration is applied) or an empty PostgreSQL database; restart: the same folder or database with nothing to migrate.`,
    'Goals: a restart ready in at most 3 s, a first start in at most 10 s, on either database.',
    '',
    '| database | first start, wall | CPU | restart, wall | CPU |',
    '|---|---:|---:|---:|---:|',
    `| embedded (PGlite) | ${cell(e.first)} | ${cell(e.again)} |`,
    p ? `| PostgreSQL | ${cell(p.first)} | ${cell(p.again)} |` : '| PostgreSQL | not reachable | | | |',
    '',
    `Metrics recorded for a cache hit (route latency histogram, cache-outcome counter, the datasource's health window): ${ns.toFixed(0)} ns per request.`,
    '',
  ].join('\n');
}
