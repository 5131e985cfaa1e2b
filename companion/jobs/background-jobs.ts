// Timers that run inside every companion instance. Jobs that must run once across instances take a
// lease first (see retention/purge-job.ts), so every instance can schedule them safely.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { runPurge } from '../retention/purge-job.js';

export interface BackgroundJobs {
  stop(): Promise<void>;
}

export function startBackgroundJobs(app: FastifyInstance): BackgroundJobs {
  const { db, clock, config, tenants } = app.companion;
  const instance = randomUUID();
  const intervalMs = Math.max(1, config.purgeIntervalSeconds) * 1000;
  let running: Promise<void> | undefined;

  const purge = () => {
    if (running) return;
    // The lease lasts a little less than the interval: a run every interval across all instances.
    running = runPurge(db, clock, { holder: instance, leaseMs: Math.floor(intervalMs * 0.9) })
      .then((outcome) => {
        for (const installationId of outcome.purgedInstallations) tenants.forget(installationId);
        if (outcome.ran) app.log.info({ purged: outcome.counts }, 'retention purge ran');
      })
      .catch((err: unknown) => app.log.warn({ err }, 'retention purge failed; will retry at the next interval'))
      .finally(() => {
        running = undefined;
      });
  };

  const timers: NodeJS.Timeout[] = [setInterval(purge, intervalMs)];
  for (const t of timers) t.unref();
  return {
    async stop() {
      for (const t of timers) clearInterval(t);
      await running;
    },
  };
}
