// What every datasource type implements behind the pipeline. The pipeline does the common work
// (timing, row selection, option mapping, error mapping); a connector only knows its protocol.
import type { DatasourceForUse } from '../datasources/datasource-for-use.js';
import type { CallerContext, TemplateVariables } from './query-pipeline-types.js';

export interface EvaluatedQuery {
  text: string;
  params: unknown[];
}

export interface FetchedData {
  /** Parsed JSON (REST, Jira, static) or the rows themselves (SQL). */
  data: unknown;
  /** True when `data` already is the row list (SQL): no result path applies. */
  isRows: boolean;
  sendMs: number;
  waitMs: number;
  parseMs: number;
}

export interface Connector {
  evaluate(ds: DatasourceForUse, query: string, vars: TemplateVariables): EvaluatedQuery;
  fetch(ds: DatasourceForUse, query: EvaluatedQuery, caller: CallerContext, maxRows: number): Promise<FetchedData>;
  /**
   * `fetch` in two steps: what it does before anything is sent, done now (no I/O, nothing sent), and
   * a function that sends it. The options cache has it done while its lease statement is on its way
   * (cache/options-cache.ts). Absent: everything happens in `fetch`.
   */
  prepare?(ds: DatasourceForUse, query: EvaluatedQuery, caller: CallerContext, maxRows: number): () => Promise<FetchedData>;
  /** True when `fetch` would use the caller's own token; absent: the datasource's own credentials. */
  answersAsUser?(caller: CallerContext): boolean;
  /** Resolves with a success message; throws (an AppError) with the reason otherwise. */
  test(ds: DatasourceForUse, caller: CallerContext): Promise<string>;
  release?(datasourceId: string): Promise<void>;
  close?(): Promise<void>;
}

/** A datasource's own timeout, kept inside Forge's 25 s budget whatever the stored value. */
export const timeoutOf = (ds: DatasourceForUse) => Math.min(20_000, Math.max(1_000, ds.row.timeoutMs || 10_000));

export const configOf = <T>(ds: DatasourceForUse) => (ds.row.config ?? {}) as T;
