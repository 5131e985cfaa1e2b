// Wires the companion together: database (embedded or external), migrations, keys, token verifier,
// background jobs, the app. Used by `npm start` and by tests that need the full start-up path.
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';
import { buildApp } from './app.js';
import { systemClock, type Clock } from './clock.js';
import { createPrisma, type Db } from './db/prisma.js';
import { migrateDatabase } from './db/migrate.js';
import { readinessCheck } from './db/readiness.js';
import { shippedMigrations } from './db/migration-files.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded-postgres.js';
import { createForgeTokenVerifier, type TokenVerifier } from './auth/forge-token-verifier.js';
import { loadKeyring } from './crypto/load-keyring.js';
import { SecretBox } from './crypto/secret-box.js';
import { startBackgroundJobs } from './jobs/background-jobs.js';
import { createQueryPipeline } from './connectors/query-pipeline.js';
import { createCompanionMetrics } from './metrics/companion-metrics.js';
import { instrumentPipeline } from './metrics/instrument-pipeline.js';
import { startMetricsServer, type MetricsListener } from './metrics/metrics-server.js';
import { runtimeCaches } from './cache/runtime-caches.js';

export interface RunningCompanion {
  app: FastifyInstance;
  db: Db;
  databaseUrl: string;
  /** Where GET /metrics is served (METRICS_PORT), if it is. */
  metricsAddress: string | undefined;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Folder of the embedded database when DATABASE_URL is unset; undefined = in memory. */
  embeddedDir?: string | undefined;
  logger?: FastifyServerOptions['logger'];
  clock?: Clock;
  verifier?: TokenVerifier;
  /** Skip applying migrations (the database is already migrated, e.g. a test template). */
  skipMigrations?: boolean;
  /** Start the purge job and other timers (default true). */
  jobs?: boolean;
}

export async function startCompanion(config: Config, options: StartOptions = {}): Promise<RunningCompanion> {
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(options.embeddedDir);
    databaseUrl = embedded.url;
  }
  try {
    const warnings: string[] = [];
    if (!options.skipMigrations) {
      const migrated = await migrateDatabase(databaseUrl);
      for (const name of migrated.modified) warnings.push(`migration ${name} was changed after it was applied`);
    }
    const db = createPrisma(databaseUrl, embedded ? 1 : config.databasePoolSize);
    const keyring = await loadKeyring(config, (m) => warnings.push(m));
    const verifier =
      options.verifier ?? createForgeTokenVerifier({ jwksUrl: config.jwksUrl, appId: config.forgeAppId });
    const clock = options.clock ?? systemClock;
    // The system clock's Date.now allocates nothing: the hot path records with it.
    const now = clock === systemClock ? Date.now : () => clock.now().getTime();
    const metrics = createCompanionMetrics({ now, processMetrics: config.metrics !== undefined });
    const pipeline = instrumentPipeline(createQueryPipeline(config, clock), metrics);
    const app = await buildApp(
      {
        config,
        db,
        verifier,
        secretBox: new SecretBox(keyring),
        clock,
        pipeline,
        ready: readinessCheck(db, await shippedMigrations()),
        metrics,
      },
      options.logger,
    );
    const changes = runtimeCaches(app.companion, app.log).changes;
    for (const w of warnings) app.log.warn(w);
    if (!config.forgeAppId) app.log.warn('FORGE_APP_ID is not set: every /v1 request will be refused with 401');
    let metricsListener: MetricsListener | undefined;
    const jobs = options.jobs === false ? undefined : startBackgroundJobs(app);
    app.addHook('onClose', async () => {
      await metricsListener?.close();
      await jobs?.stop();
      await pipeline.close();
      await changes?.close();
      await db.$disconnect();
      await embedded?.stop();
    });
    // PostgreSQL: the change listener (change-sequence.ts), so that warm hits need no read of the
    // change sequence; closed by the hook above. It connects in the background: until it can
    // vouch, requests read.
    changes?.listen(databaseUrl, app.log);
    if (config.metrics) {
      try {
        metricsListener = await startMetricsServer(metrics.registry, config.metrics, app.log);
      } catch (error) {
        await app.close();
        embedded = undefined; // app.close() stopped it
        throw error;
      }
    }
    return { app, db, databaseUrl, metricsAddress: metricsListener?.address, stop: () => app.close() };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}
