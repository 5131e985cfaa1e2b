// Counts and times every query the pipeline sends to a datasource, per datasource, whatever calls it
// (options, recalculation, connected items, the tester), and whether it failed (by error code).
import type { QueryPipeline } from '../connectors/query-pipeline-types.js';
import { AppError } from '../errors.js';
import type { CompanionMetrics } from './companion-metrics.js';

export function instrumentPipeline(pipeline: QueryPipeline, metrics: CompanionMetrics): QueryPipeline {
  return {
    ...pipeline,
    async run(ds, spec, vars, caller, evaluated) {
      const meter = metrics.datasource(ds.row.tenantId, ds.row.id, ds.row.type);
      const started = performance.now();
      try {
        const outcome = await pipeline.run(ds, spec, vars, caller, evaluated);
        meter.call(performance.now() - started);
        return outcome;
      } catch (error) {
        meter.call(performance.now() - started, error instanceof AppError ? error.code : 'internal_error');
        throw error;
      }
    },
  };
}
