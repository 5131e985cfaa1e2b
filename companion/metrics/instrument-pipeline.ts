// Counts and times every query the pipeline sends to a datasource, per datasource, whatever calls it
// (options, recalculation, connected items, the tester), and whether it failed (by error code). A
// prepared query (`prepare`, a miss between instances) is counted and timed when it is sent.
import type { DatasourceForUse } from '../datasources/datasource-for-use.js';
import type { QueryOutcome, QueryPipeline } from '../connectors/query-pipeline-types.js';
import { AppError } from '../errors.js';
import type { CompanionMetrics } from './companion-metrics.js';

export function instrumentPipeline(pipeline: QueryPipeline, metrics: CompanionMetrics): QueryPipeline {
  async function measured(ds: DatasourceForUse, send: () => Promise<QueryOutcome>): Promise<QueryOutcome> {
    const meter = metrics.datasource(ds.row.tenantId, ds.row.id, ds.row.type);
    const started = performance.now();
    try {
      const outcome = await send();
      meter.call(performance.now() - started);
      return outcome;
    } catch (error) {
      meter.call(performance.now() - started, error instanceof AppError ? error.code : 'internal_error');
      throw error;
    }
  }
  return {
    ...pipeline,
    run: (ds, spec, vars, caller, evaluated) => measured(ds, () => pipeline.run(ds, spec, vars, caller, evaluated)),
    prepare(ds, spec, vars, caller, evaluated) {
      const send = pipeline.prepare(ds, spec, vars, caller, evaluated);
      return () => measured(ds, send);
    },
  };
}
