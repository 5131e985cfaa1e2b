// The embedded database: Postgres compiled to WASM (PGlite), persisted in a folder and served on a
// loopback port over the Postgres wire protocol, so the companion, Prisma and the migrations use
// exactly the same code path as with a real server.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  readonly url: string;
  readonly db: PGlite;
  stop(): Promise<void>;
}

/**
 * `dir` undefined: an in-memory database. `loadDataDir`: start from a dump made by `dumpDataDir`
 * (tests start each database from one migrated template instead of migrating every time).
 */
export async function startEmbeddedPostgres(dir: string | undefined, loadDataDir?: Blob): Promise<EmbeddedPostgres> {
  if (dir) await mkdir(dir, { recursive: true });
  const db = await PGlite.create(dir, loadDataDir ? { loadDataDir } : {});
  // PGlite is a single-connection database. The socket server queues queries from all sockets and
  // keeps an open transaction's queries on its own socket; the companion still uses one connection.
  // The spare slots matter: with a single slot, a client reconnecting before the server has seen the
  // previous socket close is refused ("Too many connections", Prisma P1017), which happened under load.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgresql://postgres@${address}/postgres?sslmode=disable`,
    db,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
