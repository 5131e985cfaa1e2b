// One set of runtime caches per companion instance (per `app.companion`), shared by every route
// plugin that needs them: options routes, cache clear, the field service, connected items.
import type { FastifyBaseLogger } from 'fastify';
import type { Companion } from '../companion.js';
import type { Option } from '../contract/common.js';
import { AppError } from '../errors.js';
import { isUuid } from '../db/ids.js';
import { readStamp } from '../db/config-stamps.js';
import { datasourceService } from '../datasources/datasource-service.js';
import type { DatasourceForUse } from '../datasources/datasource-for-use.js';
import { isEmbeddedDatabaseUrl } from '../db/embedded-postgres.js';
import { OptionsCache } from './options-cache.js';
import { ConfigSnapshots } from './config-snapshots.js';
import { cacheKeyHasher, type CacheKeyHasher } from './cache-key.js';
import { ChangeSequence, readTenantChanges } from './change-sequence.js';

/** What a cache entry holds: the mapped options, and the rows when the caller asked for them. */
export interface OptionsPayload {
  options: Option[];
  rows?: unknown[];
}

export interface RuntimeCaches {
  options: OptionsCache<OptionsPayload>;
  datasources: ConfigSnapshots<DatasourceForUse>;
  /** The options cache's key for an answer: an HMAC under this companion's secret (cache-key.ts). */
  cacheKey: CacheKeyHasher;
  /**
   * The tenants' change sequences, shared by every set of copies (fields too); undefined on the
   * embedded database, where this process makes every change itself.
   */
  changes: ChangeSequence | undefined;
  /** This instance changed or cleared a datasource: forget its copies and in-process entries. */
  forgetDatasource(tenantId: string, datasourceId: string): void;
}

const byCompanion = new WeakMap<Companion, RuntimeCaches>();

/** A logger that drops every line (caches built before a Fastify logger is at hand, tests). */
export const silent: FastifyBaseLogger = {
  level: 'silent',
  fatal: () => undefined,
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  trace: () => undefined,
  silent: () => undefined,
  child: () => silent,
} as unknown as FastifyBaseLogger;

export function runtimeCaches(companion: Companion, log: FastifyBaseLogger = silent): RuntimeCaches {
  const existing = byCompanion.get(companion);
  if (existing) return existing;
  const { db, secretBox, clock, config } = companion;
  const shared = !isEmbeddedDatabaseUrl(config.databaseUrl);
  const changes = shared ? new ChangeSequence(readTenantChanges(db)) : undefined;
  const service = datasourceService(db, secretBox, clock);
  const datasources = new ConfigSnapshots<DatasourceForUse>(clock, {
    async load(tenantId, id) {
      try {
        const ds = await service.forUse(tenantId, id);
        return { value: ds, stamp: { id: ds.row.id, version: ds.row.version, cacheGeneration: ds.row.cacheGeneration } };
      } catch (error) {
        if (error instanceof AppError && error.statusCode === 404) return null;
        throw error;
      }
    },
    stamp(tenantId, id) {
      if (!isUuid(id)) return Promise.resolve(null);
      return readStamp(db, 'Datasource:id', tenantId, id);
    },
  }, changes);
  const options = new OptionsCache<OptionsPayload>(db, clock, log, { shared, presence: changes });
  const caches: RuntimeCaches = {
    options,
    datasources,
    cacheKey: cacheKeyHasher(secretBox),
    changes,
    forgetDatasource(tenantId, datasourceId) {
      datasources.forget(tenantId, (d) => d.row.id === datasourceId);
      options.forgetDatasource(tenantId, datasourceId);
    },
  };
  byCompanion.set(companion, caches);
  return caches;
}
