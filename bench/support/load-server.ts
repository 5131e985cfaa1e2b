// The companion under load, in its own process (the load generator must not share its event loop),
// on PostgreSQL (BENCH_DATABASE_URL) or the embedded database (unset). Prints `READY <port>`; answers
// the parent's "memory" message with its memory after a full GC (so a trend means retained memory,
// not garbage not yet collected); stops on SIGTERM. Run with --expose-gc.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../companion/config.js';
import { startCompanion } from '../../companion/start-companion.js';

export interface LoadServerMemory {
  rss: number;
  heapUsed: number;
}

const config = loadConfig({
  DATABASE_URL: process.env.BENCH_DATABASE_URL || undefined,
  FORGE_APP_ID: process.env.BENCH_APP_ID,
  FORGE_JWKS_URL: process.env.BENCH_JWKS_URL,
  COMPANION_ENCRYPTION_KEY: process.env.BENCH_ENCRYPTION_KEY,
  COMPANION_EGRESS_ALLOW: '127.0.0.1',
  DATA_DIR: await mkdtemp(join(tmpdir(), 'oc-bench-load-')),
  LOG_LEVEL: 'warn',
});
const running = await startCompanion(config, { logger: { level: 'warn' }, jobs: false });
await running.app.listen({ port: 0, host: '127.0.0.1' });

process.on('message', (message) => {
  if (message !== 'memory') return;
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  process.send?.({ rss, heapUsed } satisfies LoadServerMemory);
});
process.on('SIGTERM', () => {
  void running.stop().finally(() => process.exit(0));
});
process.stdout.write(`READY ${(running.app.server.address() as { port: number }).port}\n`);
