// What every domain is handed: the companion's dependencies and services. This module is the floor
// the domains stand on; only the wiring (app.ts, start-companion.ts) imports the routes above it.
import type { Config } from './config.js';
import type { Db } from './db/prisma.js';
import type { Clock } from './clock.js';
import type { SecretBox } from './crypto/secret-box.js';
import type { TokenVerifier } from './auth/forge-token-verifier.js';
import type { TenantService } from './tenants/tenant-service.js';
import type { QueryPipeline } from './connectors/query-pipeline-types.js';
import type { CompanionMetrics } from './metrics/companion-metrics.js';

export interface CompanionDeps {
  config: Config;
  db: Db;
  verifier: TokenVerifier;
  secretBox: SecretBox;
  clock: Clock;
  /** Runs datasource queries (connectors, templates, egress guard). */
  pipeline: QueryPipeline;
  /** Whether the database is migrated and reachable (GET /ready). */
  ready: () => Promise<boolean>;
  /** Request, datasource and cache metrics (GET /metrics on its own port, admin health). */
  metrics: CompanionMetrics;
}

export interface Companion extends CompanionDeps {
  tenants: TenantService;
}

declare module 'fastify' {
  interface FastifyInstance {
    companion: Companion;
  }
}
