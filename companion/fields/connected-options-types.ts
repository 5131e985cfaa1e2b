// The arguments and answer of connectedOptions (connected-options.ts), apart so that parent-values.ts,
// which connectedOptions calls, can name them without importing it back.
import type { Option, RequestContext } from '../contract/common.js';
import type { CallerContext, QueryOutcome } from '../connectors/query-pipeline-types.js';
import type { TemplateBinding } from '../templates/template-walk.js';

export interface ConnectedConfig {
  id: string;
  datasourceId: string;
  query: string;
  resultPath: string | null;
  idTemplate: string | null;
  displayTemplate: string | null;
  cacheTtlSeconds: number | null;
  maxOptions: number;
  cacheGeneration: number;
  storage?: 'snapshot' | 'object' | string;
  /** `readonly`: the templates render once over the whole answer (QuerySpec.wholeAnswer). */
  editor?: string;
}

export interface ConnectedOptionsArgs {
  tenantId: string;
  caller: CallerContext;
  config: ConnectedConfig;
  context?: RequestContext | undefined;
  input?: string | undefined;
  overrides?: Record<string, unknown> | undefined;
  cache: boolean;
  withRows?: boolean;
  /** The configuration tester: never the cache; the pipeline's outcome and each reference's value. */
  trace?: boolean;
}

export type CacheState = 'hit' | 'miss' | 'stale' | 'off';

export interface ConnectedOptionsResult {
  options: Option[];
  cache: CacheState;
  rows?: unknown[];
  trace?: { outcome: QueryOutcome; bindings: TemplateBinding[] };
}
