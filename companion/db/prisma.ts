// One Prisma client per process, over the pg driver adapter (no engine binary; notes/toolchain.md).
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;
/** What a repository may be handed: the client or an interactive transaction. */
export type DbTx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

const pools = new WeakMap<object, pg.Pool>();
const lanes = new WeakMap<object, SqlLane>();

export function createPrisma(connectionString: string, poolSize: number, connectTimeoutMs = 3000): Db {
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    // Fail fast while the database is down so routes answer 503 within the contract's 10 s.
    connectionTimeoutMillis: connectTimeoutMs,
    // A one-connection pool (the embedded database) keeps its connection instead of reconnecting.
    idleTimeoutMillis: poolSize === 1 ? 0 : 30000,
  });
  // Errors of idle connections (the database went away) surface on the next query, not as a crash.
  pool.on('error', () => undefined);
  releaseDeadTransactionConnections(pool);
  const client = new PrismaClient({ adapter: new PrismaPg(pool) });
  const lane = sqlLane(pool, poolSize);
  pools.set(client, pool);
  lanes.set(client, lane);
  const disconnect = client.$disconnect.bind(client);
  let ended: Promise<void> | undefined;
  client.$disconnect = async () => {
    await disconnect();
    // The lane's connection first: the pool ends once every connection is back.
    lane.close();
    ended ??= pool.end();
    await ended;
  };
  return client;
}

/** One statement at a time, on the quickest connection at hand (see sqlLane). */
export interface SqlLane {
  query<R extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>>;
  close(): void;
}

/** A pool of more connections than this keeps one of them for the lane. */
const LANE_MIN_POOL = 2;

/**
 * One of the pool's connections kept checked out for the few single statements on the hot path,
 * used whenever no statement of the lane is running on it; the others (concurrent ones, and any
 * while the connection is being taken or after it died) go through the pool as before. Through the
 * pool, a statement pays for a checkout: pg-pool arms a timer and writes the statement on the next
 * tick, about 0.1 ms of a cold miss's lease statement (docs/BENCHMARKS.md). A pool of LANE_MIN_POOL
 * connections or fewer (the embedded database has one) keeps them all for Prisma: no lane.
 */
function sqlLane(pool: pg.Pool, poolSize: number): SqlLane {
  if (poolSize <= LANE_MIN_POOL) return { query: (config) => pool.query(config), close: () => undefined };
  let held: pg.PoolClient | undefined;
  let taking = false;
  let running: Promise<unknown> | undefined;
  let closed = false;
  const settled = () => {
    running = undefined;
  };
  const drop = () => {
    const client = held;
    if (client) {
      client.removeListener('error', onError);
      client.removeListener('end', drop);
    }
    held = undefined;
    return client;
  };
  // A connection error while the lane holds the connection: the statement in flight fails with it,
  // and the connection goes back as broken (the pool drops it); the next statement takes another.
  // One that ends without an error is given back by the pool's own watch (releaseDeadTransactionConnections).
  const onError = (error: Error) => drop()?.release(error);
  const take = () => {
    if (taking || closed) return;
    taking = true;
    pool.connect().then(
      (client) => {
        taking = false;
        if (closed) return client.release();
        client.on('error', onError);
        client.on('end', drop);
        held = client;
      },
      // The database is down: the statements through the pool say so, and the next one tries again.
      () => {
        taking = false;
      },
    );
  };
  return {
    query<R extends pg.QueryResultRow>(config: pg.QueryConfig) {
      const client = held;
      if (!client || running) {
        if (!client) take();
        return pool.query<R>(config);
      }
      const result = client.query<R>(config);
      running = result.then(settled, settled);
      return result;
    },
    close() {
      closed = true;
      const client = drop();
      if (client) void (running ?? Promise.resolve()).then(() => client.release());
    },
  };
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

/** The lane of a client made by createPrisma (see sqlLane); undefined for a transaction client. */
export function sqlLaneOf(db: DbTx): SqlLane | undefined {
  return lanes.get(db);
}

/**
 * One statement's rows: straight to pg on the client's lane (a named, prepared statement), or
 * through Prisma for a transaction client, where it is part of the caller's transaction.
 */
export async function sqlRows<R extends object>(db: DbTx, name: string, text: string, values: unknown[]): Promise<R[]> {
  const lane = lanes.get(db);
  return lane ? (await lane.query<R & pg.QueryResultRow>({ name, text, values })).rows : db.$queryRawUnsafe<R[]>(text, ...values);
}
