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
 * The pg pool under a client made by createPrisma (the same connections Prisma uses), for the few
 * statements on the hot path where Prisma's own cost is most of the time: a raw statement through
 * Prisma costs about 1.5 ms more than through pg (docs/BENCHMARKS.md). Undefined for anything else
 * (a transaction client): callers then go through Prisma.
 */
export function sqlPool(db: DbTx): pg.Pool | undefined {
  return pools.get(db);
}
