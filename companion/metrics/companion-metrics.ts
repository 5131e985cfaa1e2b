// The companion's metrics (prom-client, one registry per companion so that several in one process,
// as in tests, never mix): per-route request rate and latency, per-datasource upstream calls, errors,
// latency and cache outcomes, and each datasource's recent health for its own tenant's admin page.
//
// Labels are ids and fixed vocabularies only: the route *pattern* (`/v1/fields/:id/options`, never
// the URL), the method and status, the tenant's and datasource's uuids, the datasource type and an
// error code. No value, query, field content or secret ever becomes a label.
//
// Cheap on the hot path: histogram children are bound once per route / status / datasource and kept;
// datasource counts are plain numbers the counters read when scraped. A cache hit costs one histogram
// observation, a Map lookup, a field increment and a typed-array write; no label is built per request.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { HealthWindow, type CacheOutcomeName, type HealthSummary } from './health-window.js';

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20];

type Observe = { observe(value: number): void };

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

/**
 * One datasource's counts, its latency histogram child and its health window. The counts are plain
 * numbers that the counters read when scraped (`collect`): a cache hit increments a field.
 */
export class DatasourceMeter {
  calls = 0;
  hits = 0;
  misses = 0;
  stale = 0;
  readonly errorsByCode = new Map<string, number>();
  readonly health: HealthWindow;
  private readonly latency: Observe;

  constructor(
    histogram: Histogram<'tenant_id' | 'datasource_id' | 'datasource_type'>,
    readonly tenantId: string,
    readonly datasourceId: string,
    readonly type: string,
    now: () => number,
  ) {
    this.latency = histogram.labels(tenantId, datasourceId, type);
    this.health = new HealthWindow(now);
  }

  /** An upstream call finished; `errorCode` is the AppError code when it failed. */
  call(ms: number, errorCode?: string): void {
    this.calls += 1;
    this.latency.observe(ms / 1000);
    if (errorCode !== undefined) this.errorsByCode.set(errorCode, (this.errorsByCode.get(errorCode) ?? 0) + 1);
    this.health.call(ms, errorCode !== undefined);
  }

  cache(outcome: CacheOutcomeName): void {
    if (outcome === 'hit') this.hits += 1;
    else if (outcome === 'miss') this.misses += 1;
    else this.stale += 1;
    this.health.cache(outcome);
  }
}

export interface CompanionMetrics {
  readonly registry: Registry;
  route(method: string, route: string): RouteMeter;
  /**
   * A request was answered by the hot path (http/hot-path.ts), beside Fastify: `warm`, a whole list
   * from memory as bytes; `resolved`, the options resolved there (a miss, a filtered list, a page).
   */
  hotAnswer(answer: 'warm' | 'resolved'): void;
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
  const datasources = new Map<string, DatasourceMeter>();
  const ids = (d: DatasourceMeter) => ({ tenant_id: d.tenantId, datasource_id: d.datasourceId });

  const httpSeconds = new Histogram({
    name: 'oc_http_request_duration_seconds',
    help: 'Time to answer a request, by route pattern, method and status',
    labelNames: ['method', 'route', 'status_code'],
    buckets: SECONDS_BUCKETS,
    registers,
  });
  const upstreamSeconds = new Histogram({
    name: 'oc_upstream_duration_seconds',
    help: 'Time a datasource query took, end to end (render, fetch, map)',
    labelNames: ['tenant_id', 'datasource_id', 'datasource_type'],
    buckets: SECONDS_BUCKETS,
    registers,
  });
  // Counters filled from the meters when scraped (prom-client calls `collect` before it renders).
  new Counter({
    name: 'oc_upstream_calls_total',
    help: 'Queries sent to a datasource (cache misses, uncached fields, previews)',
    labelNames: ['tenant_id', 'datasource_id', 'datasource_type'],
    registers,
    collect() {
      this.reset();
      for (const d of datasources.values()) this.inc({ ...ids(d), datasource_type: d.type }, d.calls);
    },
  });
  new Counter({
    name: 'oc_upstream_errors_total',
    help: 'Datasource queries that failed, by error code',
    labelNames: ['tenant_id', 'datasource_id', 'datasource_type', 'code'],
    registers,
    collect() {
      this.reset();
      for (const d of datasources.values()) for (const [code, n] of d.errorsByCode) this.inc({ ...ids(d), datasource_type: d.type, code }, n);
    },
  });
  new Counter({
    name: 'oc_options_cache_lookups_total',
    help: 'Options cache lookups by outcome: hit, miss (upstream asked) or stale (upstream failed, last good answer served)',
    labelNames: ['tenant_id', 'datasource_id', 'outcome'],
    registers,
    collect() {
      this.reset();
      for (const d of datasources.values()) {
        this.inc({ ...ids(d), outcome: 'hit' }, d.hits);
        this.inc({ ...ids(d), outcome: 'miss' }, d.misses);
        this.inc({ ...ids(d), outcome: 'stale' }, d.stale);
      }
    },
  });

  const hotAnswers = { warm: 0, resolved: 0 };
  new Counter({
    name: 'oc_http_hot_path_answers_total',
    help: 'Options requests answered without Fastify\'s request pipeline (also counted per route): answer="warm", a whole cached list as bytes; "resolved", resolved there',
    labelNames: ['answer'],
    registers,
    collect() {
      this.reset();
      this.inc({ answer: 'warm' }, hotAnswers.warm);
      this.inc({ answer: 'resolved' }, hotAnswers.resolved);
    },
  });

  return {
    registry,
    route: (method, route) => new RouteMeter(httpSeconds, method, route),
    hotAnswer: (answer) => {
      hotAnswers[answer] += 1;
    },
    datasource(tenantId, datasourceId, type) {
      let meter = datasources.get(datasourceId);
      // Datasource ids are uuids, unique across tenants; the tenant check keeps that an assumption
      // the health view never has to trust.
      if (!meter || meter.tenantId !== tenantId) {
        meter = new DatasourceMeter(upstreamSeconds, tenantId, datasourceId, type, now);
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
