// Timers that run inside every companion instance. Jobs that must run once across instances take a
// lease first (see retention/purge-job.ts).
import type { FastifyInstance } from 'fastify';

export interface BackgroundJobs {
  stop(): Promise<void>;
}

export function startBackgroundJobs(_app: FastifyInstance): BackgroundJobs {
  const timers: NodeJS.Timeout[] = [];
  return {
    async stop() {
      for (const t of timers) clearInterval(t);
    },
  };
}
