// The embedded database (embedded-postgres.ts) on a thread of its own (embedded-postgres-thread.mjs),
// served on the same kind of private socket. `npm start` starts it first thing (server.ts), so that
// PGlite opens its cluster (or creates it, on a first start) while this thread loads and builds the
// rest of the companion: the two are most of what a start costs, and need nothing of each other.
// Its queries then run beside the request handling too.
import { mkdir, rm } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { MAX_CONNECTIONS, createSocketDir, type EmbeddedDatabase } from './embedded-socket.js';

export interface EmbeddedPostgresThread extends EmbeddedDatabase {
  /** Settles when the database accepts connections on `url` (rejects if it could not start). */
  readonly started: Promise<void>;
}

// Two levels below the root, as this file is and as the bundle `npm start` runs is (dist/companion/).
const THREAD_MODULE = new URL('../../companion/db/embedded-postgres-thread.mjs', import.meta.url);

/**
 * The database in `dir`, starting. Returns at once with its URL; `started` says when it accepts
 * connections. Once started, the thread failing is thrown (an uncaught exception), as PGlite failing
 * on the caller's thread would be.
 */
export async function startEmbeddedPostgresThread(dir: string): Promise<EmbeddedPostgresThread> {
  await mkdir(dir, { recursive: true });
  const { socketDir, socketPath, url } = await createSocketDir();
  const worker = new Worker(THREAD_MODULE, { workerData: { dir, socketPath, maxConnections: MAX_CONNECTIONS } });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const started = new Promise<void>((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    worker.once('error', failed);
    worker.once('exit', (code) => reject(new Error(`the embedded database's thread exited (${code}) before it started`)));
    worker.once('message', () => {
      worker.off('error', failed);
      worker.on('error', (error) => {
        throw error;
      });
      resolve();
    });
  });
  // Whoever awaits `started` sees a failure; stop() must not make it an unhandled rejection too.
  started.catch(() => undefined);
  let stopping: Promise<void> | undefined;
  return {
    url,
    socketDir,
    started,
    stop() {
      stopping ??= (async () => {
        if (await started.then(() => true, () => false)) {
          // PGlite's own shutdown (a checkpoint) on its thread, then the thread goes.
          const stopped = new Promise<void>((resolve) => worker.once('message', () => resolve()));
          worker.postMessage('stop');
          await Promise.race([stopped, exited]);
        }
        await worker.terminate();
        await exited;
        await rm(socketDir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
