// The embedded database as `npm start` uses it: migrated on start, persisted under the data folder,
// with the development encryption key kept beside it, so data and secrets survive a restart.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../companion/config.js';
import { startCompanion } from '../../companion/start-companion.js';
import { createForgeTokenVerifier } from '../../companion/auth/forge-token-verifier.js';
import { datasourceService } from '../../companion/datasources/datasource-service.js';
import { shippedMigrationFiles } from '../../companion/db/migration-files.js';
import { ForgeTokenIssuer, TEST_APP_ID } from '../helpers/forge-tokens.js';

describe('embedded database across restarts', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const fn of cleanups.reverse()) await fn();
  });

  it('migrates on start and keeps data and secrets after a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'oc-embedded-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const issuer = await ForgeTokenIssuer.start();
    cleanups.push(() => issuer.stop());
    const config = loadConfig({ DATA_DIR: dataDir, FORGE_APP_ID: TEST_APP_ID, FORGE_JWKS_URL: issuer.jwksUrl, LOG_LEVEL: 'silent' });
    const start = () =>
      startCompanion(config, {
        embeddedDir: join(dataDir, 'pglite'),
        logger: false,
        jobs: false,
        verifier: createForgeTokenVerifier({ jwksUrl: issuer.jwksUrl, appId: TEST_APP_ID }),
      });

    const first = await start();
    expect((await first.app.inject({ url: '/ready' })).json()).toEqual({ status: 'ready' });
    // Applied by the companion itself, recorded as `prisma migrate deploy` records them.
    const files = await shippedMigrationFiles();
    const applied = await first.db.$queryRaw<Array<{ migration_name: string; checksum: string }>>`
      SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY migration_name`;
    expect(applied).toEqual(files.map((f) => ({ migration_name: f.name, checksum: f.checksum })));
    const created = await first.app.inject({
      method: 'POST',
      url: '/v1/admin/datasources',
      headers: { authorization: `Bearer ${await issuer.mint()}` },
      payload: { name: 'Kept', type: 'postgresql', config: { host: 'db.example.com', database: 'erp', user: 'r' }, secrets: { password: 'survives-restart' } },
    });
    expect(created.statusCode).toBe(201);
    await first.stop();
    const key = await readFile(join(dataDir, 'encryption.key'), 'utf8');
    expect(Buffer.from(key.trim(), 'base64')).toHaveLength(32);
    expect((await stat(join(dataDir, 'encryption.key'))).mode & 0o777).toBe(0o600);

    const second = await start();
    try {
      const list = await second.app.inject({ url: '/v1/admin/datasources', headers: { authorization: `Bearer ${await issuer.mint()}` } });
      expect(list.json().datasources).toEqual([expect.objectContaining({ name: 'Kept', secrets: { password: true } })]);
      const { tenantId, id } = await second.db.datasource.findFirstOrThrow({ select: { tenantId: true, id: true } });
      const c = second.app.companion;
      const forUse = await datasourceService(c.db, c.secretBox, c.clock).forUse(tenantId, id);
      expect(forUse.secrets.password).toBe('survives-restart');
    } finally {
      await second.stop();
    }
  });
});
