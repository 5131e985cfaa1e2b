// Migrations at start-up without the Prisma CLI: applied once, recorded exactly as `prisma migrate
// deploy` records them (each sees the other's work), serialised by Prisma's own advisory lock so
// that instances starting at once on one database are safe, and an up-to-date database costs one
// read (no lock, no CLI). On the embedded database, tests/companion/embedded-restart.test.ts
// covers the same start-up path.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import pg from 'pg';
import { MigrationError, PRISMA_MIGRATE_LOCK, migrateDatabase } from '../../companion/db/migrate.js';
import { shippedMigrationFiles } from '../../companion/db/migration-files.js';
import { databaseKinds, withAdmin } from '../helpers/databases.js';
import { spawnCompanion } from '../helpers/spawn-companion.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const prismaCli = createRequire(import.meta.url).resolve('prisma/build/index.js');

/** `npm run migrate` and friends: the Prisma CLI itself against a database. */
async function prisma(url: string, ...args: string[]) {
  const { stdout } = await run(process.execPath, [prismaCli, 'migrate', ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    timeout: 120_000,
  });
  return stdout;
}

async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

const migrationRows = (url: string) =>
  query<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }>(
    url,
    'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
  );
const tableNames = async (url: string) =>
  (await query<{ table_name: string }>(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1")).map((r) => r.table_name);

// Every test has databases of its own, so they run side by side: the Prisma CLI idles ~10 s after
// its work (its lock timer), and the others fit in that time. Each asserts with its own `expect`.
describe.runIf(databaseKinds().includes('postgres'))('migrations on PostgreSQL', { concurrent: true }, () => {
  const adminUrl = inject('postgresAdminUrl')!;
  const created: string[] = [];
  /** An empty database: nothing migrated, not even the bookkeeping table. */
  async function freshDatabase(): Promise<string> {
    const name = `oc_mig_${randomBytes(6).toString('hex')}`;
    await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
    created.push(name);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return url.toString();
  }
  afterAll(async () => {
    for (const name of created) await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });

  it('and the Prisma CLI see each other\'s work (npm run migrate keeps working)', async ({ expect }) => {
    const [ours, theirs] = [await freshDatabase(), await freshDatabase()];
    const files = await shippedMigrationFiles();
    expect(await migrateDatabase(ours)).toEqual({ applied: files.map((f) => f.name), modified: [] });
    const rows = await migrationRows(ours);
    expect(rows.map((r) => [r.migration_name, r.checksum, r.applied_steps_count])).toEqual(files.map((f) => [f.name, f.checksum, 1]));
    expect(rows.every((r) => r.finished_at instanceof Date)).toBe(true);
    // The CLI idles ~10 s after its work (its lock timer): all three runs at once.
    const [deployOnOurs, status] = await Promise.all([
      prisma(ours, 'deploy'),
      prisma(ours, 'status').catch((e: { stdout: string }) => e.stdout),
      prisma(theirs, 'deploy'),
    ]);
    expect(deployOnOurs).toContain('No pending migrations to apply');
    expect(status).toContain('Database schema is up to date');
    expect(await migrateDatabase(theirs)).toEqual({ applied: [], modified: [] });
    expect((await migrationRows(theirs)).map((r) => r.checksum)).toEqual((await migrationRows(ours)).map((r) => r.checksum));
  }, 180_000);

  it('waits for Prisma\'s advisory lock before applying anything', async ({ expect }) => {
    const url = await freshDatabase();
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK]);
      let done = false;
      const migrating = migrateDatabase(url).finally(() => (done = true));
      await new Promise((r) => setTimeout(r, 1500));
      expect(done).toBe(false);
      expect(await tableNames(url)).toEqual([]);
      await holder.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK]);
      expect((await migrating).applied).toHaveLength((await shippedMigrationFiles()).length);
    } finally {
      await holder.end();
    }
  });

  it('needs neither the lock nor the CLI when everything is applied', async ({ expect }) => {
    const url = await freshDatabase();
    await migrateDatabase(url);
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK]);
      // Would wait for the lock (up to 120 s) if it took it: the test's timeout would fail it.
      expect(await migrateDatabase(url)).toEqual({ applied: [], modified: [] });
    } finally {
      await holder.end();
    }
  }, 20_000);

  it('refuses to go on after a migration that failed earlier, naming it', async ({ expect }) => {
    const url = await freshDatabase();
    await migrateDatabase(url);
    await query(url, `UPDATE "_prisma_migrations" SET finished_at = NULL`);
    const [first] = await shippedMigrationFiles();
    await expect(migrateDatabase(url)).rejects.toThrow(MigrationError);
    await expect(migrateDatabase(url)).rejects.toThrow(first!.name);
  });

  it('rolls a failing migration back whole and records nothing for it', async ({ expect }) => {
    const url = await freshDatabase();
    // A table the first migration creates already exists: its script fails part-way.
    await query(url, 'CREATE TABLE "CacheEntry" (x int)');
    await expect(migrateDatabase(url)).rejects.toThrow(/failed: .*already exists/);
    expect(await tableNames(url)).toEqual(['CacheEntry']);
  });

  describe('two `npm start` at once on a new database', () => {
    const dirs: string[] = [];
    afterAll(async () => {
      for (const d of dirs) await rm(d, { recursive: true, force: true });
    });
    let url: string;
    beforeAll(async () => {
      url = await freshDatabase();
    });

    it('both become ready and each migration is applied exactly once', async ({ expect }) => {
      const start = async () => {
        const dir = await mkdtemp(join(tmpdir(), 'oc-twice-'));
        dirs.push(dir);
        return spawnCompanion({ DATABASE_URL: url, DATA_DIR: dir });
      };
      const both = await Promise.all([start(), start()]);
      try {
        for (const c of both) {
          const ready = await fetch(`${c.address}/ready`);
          expect(ready.status, c.output()).toBe(200);
        }
        const files = await shippedMigrationFiles();
        expect((await migrationRows(url)).map((r) => r.migration_name)).toEqual(files.map((f) => f.name));
      } finally {
        await Promise.all(both.map((c) => c.stop()));
      }
    }, 180_000);
  });
});
