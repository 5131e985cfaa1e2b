// Applies prisma/migrations at start-up without spawning the Prisma CLI. The CLI costs ~11 s a start
// whether or not there is anything to do (its wasm schema engine leaves a 10 s advisory-lock timer
// running after it finished), so the companion reads `_prisma_migrations` itself: one query when
// everything is applied, and pending migrations applied the way `prisma migrate deploy` records
// them (same table, same checksum, same advisory lock). `npm run migrate` (the CLI) and this code
// therefore see each other's work, and any number of instances starting at once on one database
// apply each migration exactly once: the first takes the lock, the others wait, re-read, find
// nothing left to do.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { shippedMigrationFiles, type MigrationFile } from './migration-files.js';

/** The key `prisma migrate deploy` locks on PostgreSQL (prisma-engines' migration connector). */
export const PRISMA_MIGRATE_LOCK = 72707369;
const LOCK_WAIT = '120s';

/** Prisma's own definition of its bookkeeping table, so the CLI accepts the one we create. */
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export interface MigrationResult {
  /** Migrations this call applied, in order (empty when the database was up to date). */
  applied: string[];
  /** Applied migrations whose file changed since (Prisma warns about these too). */
  modified: string[];
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

async function appliedRows(client: pg.Client): Promise<AppliedRow[]> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('"_prisma_migrations"')::text AS t`);
  if (!exists.rows[0]?.t) return [];
  const { rows } = await client.query<AppliedRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at',
  );
  return rows;
}

function plan(files: MigrationFile[], rows: AppliedRow[]): { pending: MigrationFile[]; modified: string[] } {
  // A migration that started and neither finished nor was rolled back is what Prisma calls failed
  // (P3009): someone must look at the database before anything else is applied.
  const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed) {
    throw new MigrationError(
      `Migration ${failed.migration_name} failed earlier and is not resolved: fix the database, then run \`npx prisma migrate resolve\``,
    );
  }
  const applied = new Map(rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => [r.migration_name, r.checksum]));
  return {
    pending: files.filter((f) => !applied.has(f.name)),
    modified: files.filter((f) => applied.has(f.name) && applied.get(f.name) !== f.checksum).map((f) => f.name),
  };
}

/**
 * Each migration runs in one transaction with its `_prisma_migrations` row: it is either applied and
 * recorded, or neither (Prisma sends a script as one multi-statement query, which PostgreSQL also
 * runs as one transaction, so a script that works with the CLI works here).
 */
async function apply(client: pg.Client, file: MigrationFile): Promise<void> {
  try {
    await client.query('BEGIN');
    await client.query(CREATE_TABLE);
    await client.query(file.sql);
    await client.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
       VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, now(), 1)`,
      [randomUUID(), file.checksum, file.name],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new MigrationError(`Migration ${file.name} failed: ${(error as Error).message}`, { cause: error });
  }
}

export async function migrateDatabase(databaseUrl: string): Promise<MigrationResult> {
  const files = await shippedMigrationFiles();
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const first = plan(files, await appliedRows(client));
    if (first.pending.length === 0) return { applied: [], modified: first.modified };
    await client.query(`SET lock_timeout = '${LOCK_WAIT}'`);
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK]).catch((error: unknown) => {
      throw new MigrationError(`Another instance (or \`prisma migrate deploy\`) held the migration lock for over ${LOCK_WAIT}`, { cause: error });
    });
    try {
      await client.query('RESET lock_timeout');
      // Whoever held the lock before us may have applied some or all of them.
      const { pending, modified } = plan(files, await appliedRows(client));
      for (const file of pending) await apply(client, file);
      return { applied: pending.map((f) => f.name), modified };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
