// Runs once per `vitest run`: migrates a template database of each kind with the real migration
// command, so every suite starts from a migrated database in milliseconds.
import type { TestProject } from 'vitest/node';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { migrateDatabase } from '../../companion/db/migrate.js';
import { startEmbeddedPostgres } from '../../companion/db/embedded-postgres.js';

const POSTGRES_URL = process.env.OC_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const MARIADB_URL = process.env.OC_TEST_MARIADB_URL ?? 'mysql://root@127.0.0.1:3306/test';
const TEMPLATE = `oc_template_${process.pid}`;
const required = process.env.OC_REQUIRE_ALL_DATABASES === '1';

async function reachable(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch {
    return false;
  }
}

function skipped(what: string) {
  const line = `\n!!! ${what} is not reachable: its suites are SKIPPED in this run (set OC_REQUIRE_ALL_DATABASES=1 to fail instead) !!!\n`;
  if (required) throw new Error(`${what} is required (OC_REQUIRE_ALL_DATABASES=1) but not reachable`);
  console.warn(line);
}

export default async function setup(project: TestProject) {
  process.env.CHECKPOINT_DISABLE = '1';
  const dir = await mkdtemp(join(tmpdir(), 'oc-template-'));
  const embedded = await startEmbeddedPostgres(undefined);
  await migrateDatabase(embedded.url);
  const dump = await embedded.db.dumpDataDir('none');
  await embedded.stop();
  const file = join(dir, 'embedded.tar');
  await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('embeddedTemplateFile', file);

  const pgOk = await reachable(async () => {
    const c = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
    await c.connect();
    await c.end();
  });
  let adminUrl: string | null = null;
  if (pgOk) {
    const c = new pg.Client({ connectionString: POSTGRES_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${TEMPLATE} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${TEMPLATE}`);
    await c.end();
    const templateUrl = new URL(POSTGRES_URL);
    templateUrl.pathname = `/${TEMPLATE}`;
    await migrateDatabase(templateUrl.toString());
    adminUrl = POSTGRES_URL;
  } else skipped(`PostgreSQL at ${POSTGRES_URL}`);
  project.provide('postgresAdminUrl', adminUrl);
  project.provide('postgresTemplate', pgOk ? TEMPLATE : null);

  const mariaOk = await reachable(async () => {
    const c = await mysql.createConnection({ uri: MARIADB_URL, connectTimeout: 2000 });
    await c.end();
  });
  if (!mariaOk) skipped(`MariaDB at ${MARIADB_URL}`);
  project.provide('mariadbUrl', mariaOk ? MARIADB_URL : null);

  return async () => {
    await rm(dir, { recursive: true, force: true });
    if (pgOk) {
      const c = new pg.Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${TEMPLATE} WITH (FORCE)`);
      await c.end();
    }
  };
}
