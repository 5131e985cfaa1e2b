// Where the embedded database is served (embedded-postgres.ts, embedded-thread.ts). PGlite has no
// authentication (every connection is the superuser), so it is served on a Unix socket in a fresh
// directory only this user can enter (mode 0700), never on a TCP port: another local user cannot
// connect, and no process outside this machine can either. No PGlite here: `npm start` loads this
// before anything heavy (server.ts).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The embedded database as its clients see it: a URL (a Unix socket) and a way to stop it. */
export interface EmbeddedDatabase {
  readonly url: string;
  /** The directory holding the socket (`.s.PGSQL.5432`), private to this user. */
  readonly socketDir: string;
  stop(): Promise<void>;
}

/** The socket file name libpq and node-postgres look for in a socket directory. */
const SOCKET_PORT = 5432;
const SOCKET_DIR_PREFIX = 'oc-pglite-';
// PGlite is a single-connection database. The socket server queues queries from all sockets and
// keeps an open transaction's queries on its own socket; the companion still uses one connection.
// The spare slots matter: with a single slot, a client reconnecting before the server has seen the
// previous socket close is refused ("Too many connections", Prisma P1017), which happened under load.
export const MAX_CONNECTIONS = 4;

/**
 * A fresh socket directory. mkdtemp creates it with mode 0700. It lives under the system's temporary
 * folder rather than DATA_DIR because a socket path must fit in 107 bytes.
 */
export async function createSocketDir(): Promise<{ socketDir: string; socketPath: string; url: string }> {
  const socketDir = await mkdtemp(join(tmpdir(), SOCKET_DIR_PREFIX));
  return {
    socketDir,
    socketPath: join(socketDir, `.s.PGSQL.${SOCKET_PORT}`),
    url: `postgresql://postgres@localhost:${SOCKET_PORT}/postgres?host=${encodeURIComponent(socketDir)}`,
  };
}

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
