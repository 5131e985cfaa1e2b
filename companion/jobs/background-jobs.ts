// Timers that run inside every companion instance. Jobs that must run once across instances take a
// lease first (see retention/purge-job.ts), so every instance can schedule them safely.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { purgeOnce } from '../retention/purge-job.js';

export interface BackgroundJobs {
  stop(): Promise<void>;
}

export function startBackgroundJobs(app: FastifyInstance): BackgroundJobs {
  const { config } = app.companion;
  const instance = randomUUID();
  const intervalMs = Math.max(1, config.purgeIntervalSeconds) * 1000;
  let running: Promise<void> | undefined;

  const purge = () => {
    if (running) return;
    // The lease lasts a little less than the interval: a run every interval across all instances.
    running = purgeOnce(app.companion, { holder: instance, leaseMs: Math.floor(intervalMs * 0.9) })
      .then((outcome) => {
        if (outcome.ran) app.log.info({ purged: outcome.counts }, 'retention purge ran');
      })
      .catch((err: unknown) => app.log.warn({ err }, 'retention purge failed; will retry at the next interval'))
      .finally(() => {
        running = undefined;
      });
  };

  // A first run soon after start: an instance restarted more often than the interval still purges.
  const timers: NodeJS.Timeout[] = [setTimeout(purge, Math.min(intervalMs, 30_000)), setInterval(purge, intervalMs)];
  for (const t of timers) t.unref();
  return {
    async stop() {
      for (const t of timers) clearTimeout(t);
      await running;
    },
  };
}
