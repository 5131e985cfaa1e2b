// The companion's metrics (prom-client, one registry per companion so that several in one process,
// as in tests, never mix): per-route request rate and latency, per-datasource upstream calls, errors,
// latency and cache outcomes, and each datasource's recent health for its own tenant's admin page.
//
// Labels are ids and fixed vocabularies only: the route *pattern* (`/v1/fields/:id/options`, never
// the URL), the method and status, the tenant's and datasource's uuids, the datasource type and an
// error code. No value, query, field content or secret ever becomes a label.
//
// Cheap on the hot path: the label children are bound once per route / status / datasource and kept
// (a cache hit costs a Map lookup, two prom-client increments and a typed-array write); nothing is
// built per request.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { HealthWindow, type CacheOutcomeName, type HealthSummary } from './health-window.js';

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20];

type Observe = { observe(value: number): void };
type Inc = { inc(value?: number): void };

/** One route's latency histogram children, one per status code seen. */
export class RouteMeter {
  private readonly byStatus = new Map<number, Observe>();
  constructor(
    private readonly histogram: Histogram<'method' | 'route' | 'status_code'>,
    private readonly method: string,
    private readonly route: string,
  ) {}

  observe(statusCode: number, seconds: number): void {
    let child = this.byStatus.get(statusCode);
    if (!child) {
      child = this.histogram.labels(this.method, this.route, String(statusCode));
      this.byStatus.set(statusCode, child);
    }
    child.observe(seconds);
  }
}

/** One datasource's prom-client children and its health window. */
export class DatasourceMeter {
  private readonly calls: Inc;
  private readonly latency: Observe;
  private readonly outcomes: Record<CacheOutcomeName, Inc>;
  private readonly errorsByCode = new Map<string, Inc>();
  readonly health: HealthWindow;

  constructor(
    private readonly m: MetricSet,
    readonly tenantId: string,
    readonly datasourceId: string,
    private readonly type: string,
    now: () => number,
  ) {
    this.calls = m.upstreamCalls.labels(tenantId, datasourceId, type);
    this.latency = m.upstreamSeconds.labels(tenantId, datasourceId, type);
    this.outcomes = {
      hit: m.cacheLookups.labels(tenantId, datasourceId, 'hit'),
      miss: m.cacheLookups.labels(tenantId, datasourceId, 'miss'),
      stale: m.cacheLookups.labels(tenantId, datasourceId, 'stale'),
    };
    this.health = new HealthWindow(now);
  }

  /** An upstream call finished; `errorCode` is the AppError code when it failed. */
  call(ms: number, errorCode?: string): void {
    this.calls.inc();
    this.latency.observe(ms / 1000);
    if (errorCode !== undefined) {
      let child = this.errorsByCode.get(errorCode);
      if (!child) {
        child = this.m.upstreamErrors.labels(this.tenantId, this.datasourceId, this.type, errorCode);
        this.errorsByCode.set(errorCode, child);
      }
      child.inc();
    }
    this.health.call(ms, errorCode !== undefined);
  }

  cache(outcome: CacheOutcomeName): void {
    this.outcomes[outcome].inc();
    this.health.cache(outcome);
  }
}

interface MetricSet {
  httpSeconds: Histogram<'method' | 'route' | 'status_code'>;
  upstreamCalls: Counter<'tenant_id' | 'datasource_id' | 'datasource_type'>;
  upstreamErrors: Counter<'tenant_id' | 'datasource_id' | 'datasource_type' | 'code'>;
  upstreamSeconds: Histogram<'tenant_id' | 'datasource_id' | 'datasource_type'>;
  cacheLookups: Counter<'tenant_id' | 'datasource_id' | 'outcome'>;
}

export interface CompanionMetrics {
  readonly registry: Registry;
  route(method: string, route: string): RouteMeter;
  datasource(tenantId: string, datasourceId: string, type: string): DatasourceMeter;
  /** Recent health of the given datasources of one tenant (zeros for those not used lately). */
  health(tenantId: string, datasourceIds: readonly string[]): Map<string, HealthSummary>;
}

export interface MetricsOptions {
  /** Milliseconds since the epoch (the companion's clock, so tests can move time). */
  now?: () => number;
  /** Node's own metrics (CPU, memory, event loop lag): only when /metrics is served. */
  processMetrics?: boolean;
}

export function createCompanionMetrics(options: MetricsOptions = {}): CompanionMetrics {
  const now = options.now ?? Date.now;
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'oc_' });
  const registers = [registry];
  const m: MetricSet = {
    httpSeconds: new Histogram({
      name: 'oc_http_request_duration_seconds',
      help: 'Time to answer a request, by route pattern, method and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: SECONDS_BUCKETS,
      registers,
    }),
    upstreamCalls: new Counter({
      name: 'oc_upstream_calls_total',
      help: 'Queries sent to a datasource (cache misses, uncached fields, previews)',
      labelNames: ['tenant_id', 'datasource_id', 'datasource_type'],
      registers,
    }),
    upstreamErrors: new Counter({
      name: 'oc_upstream_errors_total',
      help: 'Datasource queries that failed, by error code',
      labelNames: ['tenant_id', 'datasource_id', 'datasource_type', 'code'],
      registers,
    }),
    upstreamSeconds: new Histogram({
      name: 'oc_upstream_duration_seconds',
      help: 'Time a datasource query took, end to end (render, fetch, map)',
      labelNames: ['tenant_id', 'datasource_id', 'datasource_type'],
      buckets: SECONDS_BUCKETS,
      registers,
    }),
    cacheLookups: new Counter({
      name: 'oc_options_cache_lookups_total',
      help: 'Options cache lookups by outcome: hit, miss (upstream asked) or stale (upstream failed, last good answer served)',
      labelNames: ['tenant_id', 'datasource_id', 'outcome'],
      registers,
    }),
  };
  const datasources = new Map<string, DatasourceMeter>();

  return {
    registry,
    route: (method, route) => new RouteMeter(m.httpSeconds, method, route),
    datasource(tenantId, datasourceId, type) {
      let meter = datasources.get(datasourceId);
      // Datasource ids are uuids, unique across tenants; the tenant check keeps that an assumption
      // the health view never has to trust.
      if (!meter || meter.tenantId !== tenantId) {
        meter = new DatasourceMeter(m, tenantId, datasourceId, type, now);
        datasources.set(datasourceId, meter);
      }
      return meter;
    },
    health(tenantId, datasourceIds) {
      const empty = new HealthWindow(now);
      const result = new Map<string, HealthSummary>();
      for (const id of datasourceIds) {
        const meter = datasources.get(id);
        result.set(id, (meter && meter.tenantId === tenantId ? meter.health : empty).summary());
      }
      return result;
    },
  };
}
