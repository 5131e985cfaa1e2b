// SQL datasources (PostgreSQL, MySQL/MariaDB): the query template renders to text with
// placeholders and a list of bound values; pools are per datasource version and closed when the
// datasource changes (release), when it has not been used for `idlePoolMs` (a datasource changed or
// deleted through another instance is never used here again: its pool, and the password in it, go),
// or when the companion stops.
import type { SqlConfig } from '../contract/datasource.js';
import type { DatasourceForUse } from '../datasources/datasource-for-use.js';
import type { EgressPolicy } from '../egress/egress-policy.js';
import { resolveChecked, CONNECT_TIMEOUT_MS, type Resolve } from '../egress/guarded-dispatcher.js';
import { renderTemplate } from '../templates/render-template.js';
import type { SqlPool } from './sql-driver-types.js';
import { configOf, timeoutOf, type Connector } from './connector-types.js';
import { mysqlDriver } from './mysql-driver.js';
import { postgresDriver } from './postgres-driver.js';
import { sqlError } from './sql-errors.js';
import { upstreamMisconfigured, upstreamTooSlow } from './upstream-errors.js';
import type { Deadline } from '../deadline.js';

export const DEFAULT_SQL_POOL_SIZE = 3;

export const DEFAULT_SQL_POOL_IDLE_MS = 10 * 60 * 1000;

export function sqlConnector(kind: 'postgresql' | 'mysql', policy: EgressPolicy, resolve?: Resolve, idlePoolMs = DEFAULT_SQL_POOL_IDLE_MS): Connector {
  const driver = kind === 'postgresql' ? postgresDriver() : mysqlDriver();
  /** Per datasource version: its pool, and when it was last used (performance.now()). */
  const pools = new Map<string, OpenPool>();
  let sweeper: NodeJS.Timeout | undefined;

  /** Closes the pools unused for idlePoolMs; stops looking once there are none. */
  function sweep() {
    const now = performance.now();
    for (const [k, p] of pools) if (now - p.usedAt >= idlePoolMs) void endQuietly(pools, k, p);
    if (pools.size === 0 && sweeper) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  }

  async function create(ds: DatasourceForUse): Promise<SqlPool> {
    const config = configOf<SqlConfig>(ds);
    if (!config.host || !config.database || !config.user) throw upstreamMisconfigured(ds.row.name, 'host, database and user are required');
    // Resolved and checked once; the pool then connects to that very address (no DNS rebinding).
    const address = await resolveChecked(policy, config.host, resolve);
    return driver.createPool({
      datasourceId: ds.row.id,
      host: config.host,
      address,
      port: config.port ?? driver.defaultPort,
      database: config.database,
      user: config.user,
      password: ds.secrets.password,
      poolSize: config.poolSize ?? DEFAULT_SQL_POOL_SIZE,
      ssl: config.ssl === true,
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
      timeoutMs: timeoutOf(ds),
    });
  }

  function poolFor(ds: DatasourceForUse): Promise<SqlPool> {
    const key = `${ds.row.id}:${ds.row.version}`;
    let open = pools.get(key);
    if (!open) {
      // An older version's pool is useless now: close it rather than wait for release().
      for (const [k, old] of pools) if (k.startsWith(`${ds.row.id}:`)) void endQuietly(pools, k, old);
      const pool = create(ds);
      open = { pool, usedAt: 0 };
      pools.set(key, open);
      pool.catch(() => pools.delete(key));
    }
    open.usedAt = performance.now();
    if (!sweeper) {
      // Unref'd: it never keeps the process alive.
      sweeper = setInterval(sweep, Math.min(60_000, idlePoolMs));
      sweeper.unref();
    }
    return open.pool;
  }

  const schemaOf = (ds: DatasourceForUse) => configOf<SqlConfig>(ds).schema || undefined;
  /** The statement timeout: the datasource's own, or what is left of the request's deadline. */
  const timeoutWithin = (ds: DatasourceForUse, deadline: Deadline) => {
    if (deadline.expired()) throw upstreamTooSlow(ds.row.name, deadline.budgetMs);
    return deadline.timeoutFor(timeoutOf(ds));
  };
  const failure = (ds: DatasourceForUse, err: unknown, deadline: Deadline) => {
    const error = sqlError(ds.row.name, err, timeoutOf(ds));
    return error.code === 'upstream_timeout' && deadline.expired() ? upstreamTooSlow(ds.row.name, deadline.budgetMs) : error;
  };

  return {
    evaluate(_ds, query, vars) {
      return renderTemplate(query, vars as never, driver.placeholders);
    },

    async fetch(ds, query, caller, maxRows) {
      const started = performance.now();
      const pool = await poolFor(ds);
      const sent = performance.now();
      try {
        const rows = await pool.query(query.text, query.params, maxRows, timeoutWithin(ds, caller.deadline), schemaOf(ds));
        return { data: rows, isRows: true, sendMs: sent - started, waitMs: performance.now() - sent, parseMs: 0 };
      } catch (err) {
        throw failure(ds, err, caller.deadline);
      }
    },

    async test(ds, caller) {
      const pool = await poolFor(ds);
      try {
        await pool.ping(timeoutWithin(ds, caller.deadline), schemaOf(ds));
      } catch (err) {
        throw failure(ds, err, caller.deadline);
      }
      return 'The database accepted a trivial query';
    },

    async release(datasourceId) {
      await Promise.all([...pools].filter(([k]) => k.startsWith(`${datasourceId}:`)).map(([k, p]) => endQuietly(pools, k, p)));
    },

    async close() {
      if (sweeper) clearInterval(sweeper);
      sweeper = undefined;
      await Promise.all([...pools].map(([k, p]) => endQuietly(pools, k, p)));
    },
  };
}

interface OpenPool {
  pool: Promise<SqlPool>;
  usedAt: number;
}

async function endQuietly(pools: Map<string, OpenPool>, key: string, open: OpenPool): Promise<void> {
  pools.delete(key);
  try {
    await (await open.pool).end();
  } catch {
    // A pool that never connected, or whose server is gone, has nothing left to close.
  }
}
