// The embedded database: Postgres compiled to WASM (PGlite), persisted in a folder and served over
// the Postgres wire protocol on a private Unix socket (embedded-socket.ts), so the companion, Prisma
// and the migrations use exactly the same code path as with a real server. This runs it on the
// caller's thread (tests, in-memory databases, the key rotation command); `npm start` runs it on a
// thread of its own (embedded-thread.ts).
import { mkdir, rm } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { MAX_CONNECTIONS, createSocketDir, type EmbeddedDatabase } from './embedded-socket.js';

export { isEmbeddedDatabaseUrl, type EmbeddedDatabase } from './embedded-socket.js';

export interface EmbeddedPostgres extends EmbeddedDatabase {
  readonly db: PGlite;
}

/**
 * `dir` undefined: an in-memory database. `loadDataDir`: start from a dump made by `dumpDataDir`
 * (tests start each database from one migrated template instead of migrating every time).
 */
export async function startEmbeddedPostgres(dir: string | undefined, loadDataDir?: Blob): Promise<EmbeddedPostgres> {
  if (dir) await mkdir(dir, { recursive: true });
  const { socketDir, socketPath, url } = await createSocketDir();
  let db: PGlite | undefined;
  try {
    db = await PGlite.create(dir, loadDataDir ? { loadDataDir } : {});
    const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: MAX_CONNECTIONS });
    await server.start();
    const database = db;
    return {
      url,
      socketDir,
      db: database,
      async stop() {
        await server.stop();
        await database.close();
        await rm(socketDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    await rm(socketDir, { recursive: true, force: true });
    throw error;
  }
}
