// PLACEHOLDER until the connectors work lands: replaced by the real pipeline (issue 6).
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import type { QueryPipeline } from './query-pipeline-types.js';

const missing = () => new AppError(501, 'not_implemented', 'Datasource connectors are not available yet');

export function createQueryPipeline(_config: Config): QueryPipeline {
  return {
    run: async () => {
      throw missing();
    },
    evaluate: () => {
      throw missing();
    },
    test: async () => ({ ok: false, ms: 0, message: 'Datasource connectors are not available yet' }),
    release: async () => undefined,
    close: async () => undefined,
  };
}
