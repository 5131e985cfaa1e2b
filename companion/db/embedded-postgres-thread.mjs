// The embedded database on a thread of its own (embedded-postgres.ts, startEmbeddedPostgresThread):
// PGlite and the socket server it is served on. Its start (creating the cluster on a first start,
// opening it on a restart) then runs beside the rest of the companion's start instead of before it,
// and its queries beside the request handling. Plain JavaScript, so that this file runs as it is
// under `npm start` (the bundle) and under the tests (the TypeScript sources).
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const { dir, socketPath, maxConnections } = workerData;
// A failure to start is thrown: the companion's thread sees it as the worker's 'error' event.
const db = await PGlite.create(dir);
let server;
try {
  server = new PGLiteSocketServer({ db, path: socketPath, maxConnections });
  await server.start();
} catch (error) {
  await db.close().catch(() => undefined);
  throw error;
}

parentPort.once('message', async () => {
  // Asked to stop: no new connection, then PGlite's own shutdown (it checkpoints), then say so.
  await server.stop();
  await db.close();
  parentPort.postMessage('stopped');
});
parentPort.postMessage('ready');
