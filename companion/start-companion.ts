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
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded-postgres.js';
import { startEmbeddedPostgresThread, type EmbeddedPostgresThread } from './db/embedded-thread.js';
import { createForgeTokenVerifier, type TokenVerifier } from './auth/forge-token-verifier.js';
import { loadKeyring } from './crypto/load-keyring.js';
import { SecretBox } from './crypto/secret-box.js';
import { startBackgroundJobs, type BackgroundJobs } from './jobs/background-jobs.js';
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
  /**
   * Folder of the embedded database when DATABASE_URL is unset (started on a thread of its own);
   * undefined = in memory, on this thread.
   */
  embeddedDir?: string | undefined;
  /** The embedded database, already starting (server.ts starts it before loading the rest); the companion stops it. */
  embeddedThread?: EmbeddedPostgresThread | undefined;
  logger?: FastifyServerOptions['logger'];
  clock?: Clock;
  verifier?: TokenVerifier;
  /** Skip applying migrations (the database is already migrated, e.g. a test template). */
  skipMigrations?: boolean;
  /** Start the purge job and other timers (default true). */
  jobs?: boolean;
}

export async function startCompanion(config: Config, options: StartOptions = {}): Promise<RunningCompanion> {
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  // A folder (`npm start`): the database starts on its own thread while the app is built here (the
  // two are most of what a start costs, and need nothing of each other). In memory: on this thread.
  let databaseStarted: Promise<void> | undefined;
  if (!databaseUrl) {
    const thread =
      options.embeddedThread ?? (options.embeddedDir ? await startEmbeddedPostgresThread(options.embeddedDir) : undefined);
    if (thread) {
      databaseStarted = thread.started;
      embedded = thread;
    } else {
      embedded = await startEmbeddedPostgres(undefined);
    }
    databaseUrl = embedded.url;
  }
  let app: FastifyInstance | undefined;
  try {
    const warnings: string[] = [];
    const db = createPrisma(databaseUrl, embedded ? 1 : config.databasePoolSize, config.databaseConnectTimeoutMs);
    const keyring = await loadKeyring(config, (m) => warnings.push(m));
    const verifier =
      options.verifier ?? createForgeTokenVerifier({ jwksUrl: config.jwksUrl, appId: config.forgeAppId });
    const clock = options.clock ?? systemClock;
    // The system clock's Date.now allocates nothing: the hot path records with it.
    const now = clock === systemClock ? Date.now : () => clock.now().getTime();
    const metrics = createCompanionMetrics({ now, processMetrics: config.metrics !== undefined });
    const pipeline = instrumentPipeline(createQueryPipeline(config, clock), metrics);
    app = await buildApp(
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
    // Started once the database is migrated (below); stopped on close, whatever got started.
    const started: { metrics?: MetricsListener; jobs?: BackgroundJobs } = {};
    const database = embedded;
    app.addHook('onClose', async () => {
      await started.metrics?.close();
      await started.jobs?.stop();
      await pipeline.close();
      await changes?.close();
      await db.$disconnect();
      await database?.stop();
    });
    // Compiles every route's schemas: no database needed, so still while the database starts.
    await app.ready();
    await databaseStarted;
    // Nothing touches the database before this: migrations first, whatever started.
    if (!options.skipMigrations) {
      const migrated = await migrateDatabase(databaseUrl);
      for (const name of migrated.modified) warnings.push(`migration ${name} was changed after it was applied`);
    }
    for (const w of warnings) app.log.warn(w);
    if (!config.forgeAppId) app.log.warn('FORGE_APP_ID is not set: every /v1 request will be refused with 401');
    // PostgreSQL: the change listener (change-sequence.ts), so that warm hits need no read of the
    // change sequence; closed by the onClose hook above. It connects in the background: until it
    // can vouch, requests read.
    changes?.listen(databaseUrl, app.log);
    if (options.jobs !== false) started.jobs = startBackgroundJobs(app);
    if (config.metrics) started.metrics = await startMetricsServer(metrics.registry, config.metrics, app.log);
    const running = app;
    return { app, db, databaseUrl, metricsAddress: started.metrics?.address, stop: () => running.close() };
  } catch (error) {
    // app.close() stops the database too (the onClose hook above).
    if (app) await app.close().catch(() => undefined);
    else await embedded?.stop();
    throw error;
  }
}
