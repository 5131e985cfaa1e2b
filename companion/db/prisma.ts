// One Prisma client per process, over the pg driver adapter (no engine binary; notes/toolchain.md).
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.js';

export type Db = PrismaClient;
/** What a repository may be handed: the client or an interactive transaction. */
export type DbTx = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

export function createPrisma(connectionString: string, poolSize: number): Db {
  const adapter = new PrismaPg({
    connectionString,
    max: poolSize,
    // Fail fast while the database is down so routes answer 503 within the contract's 10 s.
    connectionTimeoutMillis: 3000,
    // A one-connection pool (the embedded database) keeps its connection instead of reconnecting.
    idleTimeoutMillis: poolSize === 1 ? 0 : 30000,
  });
  return new PrismaClient({ adapter });
}
