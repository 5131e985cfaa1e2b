// The databases every companion suite runs against: the embedded one (PGlite) always, and the real
// PostgreSQL on 127.0.0.1:5432 when it answers. Without it the suites are skipped LOUDLY; with
// OC_REQUIRE_ALL_DATABASES=1 (set by .ci/run) a missing server fails the run instead.
import { describe, inject } from 'vitest';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { startEmbeddedPostgres } from '../../companion/db/embedded-postgres.js';

export type DatabaseKind = 'embedded' | 'postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string | null;
    postgresTemplate: string | null;
    embeddedTemplateFile: string;
    mariadbUrl: string | null;
  }
}

export function databaseKinds(): DatabaseKind[] {
  return inject('postgresAdminUrl') ? ['embedded', 'postgres'] : ['embedded'];
}

/**
 * `describe.each(databaseKinds())` with the kinds side by side: each kind's suite (its own companion,
 * database and servers) still runs its tests one after the other, in order, while the other kind's
 * suite runs beside it. For suites that mostly wait (stalled upstreams, deadlines, timeouts): one
 * kind's waits overlap the other's, instead of adding up. Suites that change process-wide state
 * (environment variables, fake timers) must not use it.
 */
export function describeEachDatabase(name: string, fn: (kind: DatabaseKind) => void, options: { skip?: boolean } = {}): void {
  describe.skipIf(options.skip ?? false).each(databaseKinds())('on %s', { concurrent: true }, (kind) => {
    describe.sequential(name.replace('%s', kind), () => fn(kind));
  });
}

export interface TestDatabase {
  kind: DatabaseKind;
  url: string;
  drop(): Promise<void>;
}

/** The migrated template's dump (~40 MB), read once per worker process: a Blob is never changed by its readers. */
let template: Promise<Blob> | undefined;
const embeddedTemplate = () => (template ??= readFile(inject('embeddedTemplateFile')).then((dump) => new Blob([dump])));

/** A fresh, migrated database of the given kind, from the template made in global-setup. */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'embedded') {
    const embedded = await startEmbeddedPostgres(undefined, await embeddedTemplate());
    return { kind, url: embedded.url, drop: () => embedded.stop() };
  }
  const adminUrl = inject('postgresAdminUrl');
  const template = inject('postgresTemplate');
  if (!adminUrl || !template) throw new Error('PostgreSQL is not available');
  const name = `oc_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    kind,
    url: url.toString(),
    drop: () => withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

export async function withAdmin<T>(adminUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
