// The embedded database: Postgres compiled to WASM (PGlite), persisted in a folder and served over
// the Postgres wire protocol, so the companion, Prisma and the migrations use exactly the same code
// path as with a real server.
//
// PGlite has no authentication (every connection is the superuser), so it is served on a Unix socket
// in a fresh directory only this user can enter (mode 0700), never on a TCP port: another local user
// cannot connect, and no process outside this machine can either.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedPostgres {
  readonly url: string;
  /** The directory holding the socket (`.s.PGSQL.5432`), private to this user. */
  readonly socketDir: string;
  readonly db: PGlite;
  stop(): Promise<void>;
}

/** The socket file name libpq and node-postgres look for in a socket directory. */
const SOCKET_PORT = 5432;
const SOCKET_DIR_PREFIX = 'oc-pglite-';

/**
 * Whether a database URL is the embedded database's own (unset, or the socket this module serves):
 * one process by construction, so nothing needs to be coordinated with other instances.
 */
export function isEmbeddedDatabaseUrl(url: string | undefined): boolean {
  if (!url) return true;
  try {
    const host = new URL(url).searchParams.get('host') ?? '';
    return host.split('/').some((part) => part.startsWith(SOCKET_DIR_PREFIX));
  } catch {
    return false;
  }
}

/**
 * `dir` undefined: an in-memory database. `loadDataDir`: start from a dump made by `dumpDataDir`
 * (tests start each database from one migrated template instead of migrating every time).
 */
export async function startEmbeddedPostgres(dir: string | undefined, loadDataDir?: Blob): Promise<EmbeddedPostgres> {
  if (dir) await mkdir(dir, { recursive: true });
  // mkdtemp creates the directory with mode 0700. It lives under the system's temporary folder
  // rather than DATA_DIR because a socket path must fit in 107 bytes.
  const socketDir = await mkdtemp(join(tmpdir(), SOCKET_DIR_PREFIX));
  let db: PGlite | undefined;
  try {
    db = await PGlite.create(dir, loadDataDir ? { loadDataDir } : {});
    // PGlite is a single-connection database. The socket server queues queries from all sockets and
    // keeps an open transaction's queries on its own socket; the companion still uses one connection.
    // The spare slots matter: with a single slot, a client reconnecting before the server has seen the
    // previous socket close is refused ("Too many connections", Prisma P1017), which happened under load.
    const server = new PGLiteSocketServer({ db, path: join(socketDir, `.s.PGSQL.${SOCKET_PORT}`), maxConnections: 4 });
    await server.start();
    const database = db;
    return {
      url: `postgresql://postgres@localhost:${SOCKET_PORT}/postgres?host=${encodeURIComponent(socketDir)}`,
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
