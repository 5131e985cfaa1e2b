// One Prisma client per process, over the pg driver adapter (no engine binary; notes/toolchain.md).
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;
/** What a repository may be handed: the client or an interactive transaction. */
export type DbTx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

const pools = new WeakMap<object, pg.Pool>();

export function createPrisma(connectionString: string, poolSize: number): Db {
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    // Fail fast while the database is down so routes answer 503 within the contract's 10 s.
    connectionTimeoutMillis: 3000,
    // A one-connection pool (the embedded database) keeps its connection instead of reconnecting.
    idleTimeoutMillis: poolSize === 1 ? 0 : 30000,
  });
  // Errors of idle connections (the database went away) surface on the next query, not as a crash.
  pool.on('error', () => undefined);
  releaseDeadTransactionConnections(pool);
  const client = new PrismaClient({ adapter: new PrismaPg(pool) });
  pools.set(client, pool);
  const disconnect = client.$disconnect.bind(client);
  let ended: Promise<void> | undefined;
  client.$disconnect = async () => {
    await disconnect();
    ended ??= pool.end();
    await ended;
  };
  return client;
}

/**
 * Prisma (6.19 with @prisma/adapter-pg 7.10) ends an interactive transaction by sending ROLLBACK or
 * COMMIT and only then releasing the connection; when the connection died under the transaction
 * (PostgreSQL restarted, a backend terminated) that statement fails and the connection is never
 * given back, so every such transaction shrinks the pool by one until the process restarts and,
 * once all are gone, every query waits out the connect timeout (503 for good). A checked-out
 * connection that ends is given back here, as broken (the pool drops it and opens a new one); a
 * connection the pool already took back is left alone.
 */
function releaseDeadTransactionConnections(pool: pg.Pool): void {
  const checkedOut = new WeakSet<pg.PoolClient>();
  // 'connect': once per new connection, before its first 'acquire'.
  pool.on('connect', (client) => {
    client.on('end', () => {
      // After pg's own callbacks for the query in flight (a plain pool.query releases there).
      setImmediate(() => {
        if (checkedOut.has(client)) client.release(new Error('The database connection ended while checked out'));
      });
    });
  });
  pool.on('acquire', (client) => checkedOut.add(client));
  pool.on('release', (_error, client) => checkedOut.delete(client));
}

/**
 * The pg pool under a client made by createPrisma (the same connections Prisma uses), for the few
 * statements on the hot path where Prisma's own cost is most of the time: a raw statement through
 * Prisma costs about 1.5 ms more than through pg (docs/BENCHMARKS.md). Undefined for anything else
 * (a transaction client): callers then go through Prisma.
 */
export function sqlPool(db: DbTx): pg.Pool | undefined {
  return pools.get(db);
}
