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

interface Prepared {
  provided: { embeddedTemplateFile: string; postgresAdminUrl: string | null; postgresTemplate: string | null; mariadbUrl: string | null };
  teardown(): Promise<void>;
}

/** Made once per `vitest run`, whichever project asks first (see `setup`). */
async function prepare(): Promise<Prepared> {
  process.env.CHECKPOINT_DISABLE = '1';
  const dir = await mkdtemp(join(tmpdir(), 'oc-template-'));
  const embedded = await startEmbeddedPostgres(undefined);
  await migrateDatabase(embedded.url);
  const dump = await embedded.db.dumpDataDir('none');
  await embedded.stop();
  const file = join(dir, 'embedded.tar');
  await writeFile(file, Buffer.from(await dump.arrayBuffer()));

  const pgOk = await reachable(async () => {
    const c = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
    await c.connect();
    await c.end();
  });
  if (pgOk) {
    const c = new pg.Client({ connectionString: POSTGRES_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${TEMPLATE} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${TEMPLATE}`);
    await c.end();
    const templateUrl = new URL(POSTGRES_URL);
    templateUrl.pathname = `/${TEMPLATE}`;
    await migrateDatabase(templateUrl.toString());
  } else skipped(`PostgreSQL at ${POSTGRES_URL}`);

  const mariaOk = await reachable(async () => {
    const c = await mysql.createConnection({ uri: MARIADB_URL, connectTimeout: 2000 });
    await c.end();
  });
  if (!mariaOk) skipped(`MariaDB at ${MARIADB_URL}`);

  return {
    provided: {
      embeddedTemplateFile: file,
      postgresAdminUrl: pgOk ? POSTGRES_URL : null,
      postgresTemplate: pgOk ? TEMPLATE : null,
      mariadbUrl: mariaOk ? MARIADB_URL : null,
    },
    async teardown() {
      await rm(dir, { recursive: true, force: true });
      if (pgOk) {
        const c = new pg.Client({ connectionString: POSTGRES_URL });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${TEMPLATE} WITH (FORCE)`);
        await c.end();
      }
    },
  };
}

// Each vitest project (vitest.config.ts) runs the global setup, all in this one process: the first
// prepares, every one provides the same values, and the last to finish tears down.
const shared = globalThis as { __ocGlobalSetup?: { ready: Promise<Prepared>; users: number } };

export default async function setup(project: TestProject) {
  shared.__ocGlobalSetup ??= { ready: prepare(), users: 0 };
  const state = shared.__ocGlobalSetup;
  state.users += 1;
  const { provided, teardown } = await state.ready;
  project.provide('embeddedTemplateFile', provided.embeddedTemplateFile);
  project.provide('postgresAdminUrl', provided.postgresAdminUrl);
  project.provide('postgresTemplate', provided.postgresTemplate);
  project.provide('mariadbUrl', provided.mariadbUrl);
  return async () => {
    state.users -= 1;
    if (state.users === 0) {
      delete shared.__ocGlobalSetup;
      await teardown();
    }
  };
}
