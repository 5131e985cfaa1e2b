// The contract between the query pipeline (connectors, templates) and its callers (fields, items,
// preview, connection test). Kept apart so both sides can be built and typed independently.
import type { DatasourceForUse } from '../datasources/datasource-for-use.js';
import type { Deadline } from '../deadline.js';
import type { ForgeOAuthTokens } from '../http/request-context.js';
import type { Option, RequestContext } from '../contract/common.js';

/** What a query template can reference: `$issue.*`, `$currentUser.*`, `$userInput`. */
export interface TemplateVariables {
  issue: Record<string, unknown>;
  currentUser: CurrentUserVariables;
  userInput: string;
}

/** `$currentUser`: the accountId from the request; the profile read from Jira when the query needs it. */
export interface CurrentUserVariables {
  accountId?: string | undefined;
  displayName?: string | undefined;
  emailAddress?: string | undefined;
  locale?: string | undefined;
  timeZone?: string | undefined;
}

/** A connected field's or item's query settings (the parts the pipeline needs). */
export interface QuerySpec {
  query: string;
  resultPath: string | null;
  idTemplate: string | null;
  displayTemplate: string | null;
  maxRows: number;
  /**
   * Read-only fields and items (Elements Connect's "Text - Read only"): the id and display templates
   * are rendered once over the whole answer, as `$data` (the answer), `$resultSet` (the selected
   * rows) and `$row` (the first of them), giving one option; otherwise once per row.
   */
  wholeAnswer?: boolean;
}

/** Who is calling, for Jira datasources and the egress guard, and by when the answer is due. */
export interface CallerContext {
  tenantId: string;
  apiBaseUrl: string | undefined;
  forgeTokens: ForgeOAuthTokens;
  /**
   * The trusted caller's account (companion/auth/caller-identity.ts), undefined for nobody. What a
   * datasource answers under `forgeTokens.user` is this user's alone: the options cache keys it so.
   */
  accountId?: string | undefined;
  /** The request's one deadline (companion/deadline.ts): every upstream step ends by it. */
  deadline: Deadline;
}

export interface QueryTimings {
  /** Rendering the query template. */
  renderMs: number;
  /** HTTP: connecting and sending until the response headers arrived. SQL: getting a pooled connection. */
  sendMs: number;
  /** HTTP: receiving the body. SQL: running the query and fetching its rows. */
  waitMs: number;
  /** Parsing the body (JSON/CSV) and selecting rows with the result path. */
  parseMs: number;
  /** Rendering the id and display templates per row. */
  mapMs: number;
}

export interface QueryOutcome {
  /** The query after variables were filled in (for SQL: the text with placeholders, plus params). */
  evaluatedQuery: { text: string; params: unknown[] };
  /** A stable string identifying the evaluated query, for cache keys (hash it before storing). */
  cacheKeyMaterial: string;
  rows: unknown[];
  options: Option[];
  timings: QueryTimings;
}

/** A query rendered for its datasource, and the material of its cache key. */
export interface EvaluatedSpec {
  evaluatedQuery: { text: string; params: unknown[] };
  cacheKeyMaterial: string;
}

export interface QueryPipeline {
  /**
   * Renders, runs, selects rows, maps options. Throws AppError (502/504/422) on upstream trouble.
   * `evaluated`: what `evaluate` gave for the same datasource, spec and vars (a miss has rendered
   * the query for its cache key already); rendered here when not given.
   */
  run(datasource: DatasourceForUse, spec: QuerySpec, vars: TemplateVariables, caller: CallerContext, evaluated?: EvaluatedSpec): Promise<QueryOutcome>;
  /**
   * `run` in two steps: the query rendered and the request built now, without contacting the
   * upstream; the function returned sends it (and throws what `run` would, a failure to build too).
   */
  prepare(datasource: DatasourceForUse, spec: QuerySpec, vars: TemplateVariables, caller: CallerContext, evaluated?: EvaluatedSpec): () => Promise<QueryOutcome>;
  /** Renders only: the evaluated query and its cache key material, without contacting the upstream. */
  evaluate(datasource: DatasourceForUse, spec: QuerySpec, vars: TemplateVariables): EvaluatedSpec;
  /**
   * Whether `run` would call the upstream with the caller's own token (a Jira datasource given
   * `x-forge-oauth-user`): then its answer is that user's, not the tenant's (DESIGN.md).
   */
  answersAsUser(datasource: DatasourceForUse, caller: CallerContext): boolean;
  /** Connection test: 2xx on the test path, or a trivial SQL query. Never throws. */
  test(datasource: DatasourceForUse, caller: CallerContext): Promise<{ ok: boolean; ms: number; message: string }>;
  /**
   * Compute egress: reads only `fieldIds` of an issue from the tenant's Jira (user token, else the
   * system token), through the egress guard. Nothing is kept. Throws AppError like `run`.
   */
  /**
   * Compute egress: the current user's profile (`GET /rest/api/3/myself`) with the user's own token,
   * kept in memory for a minute keyed by a hash of the token, stored nowhere. Throws 422
   * `current_user_unavailable` when there is no user token or Jira does not answer with this user.
   */
  currentUser(caller: CallerContext): Promise<CurrentUserVariables>;
  readIssueFields(caller: CallerContext, issueIdOrKey: string, fieldIds: string[], timeoutMs: number): Promise<Record<string, unknown>>;
  /** Closes pooled connections of a datasource (it changed or was deleted). */
  release(datasourceId: string): Promise<void>;
  close(): Promise<void>;
}

export type { RequestContext };
