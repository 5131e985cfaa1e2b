// Options of a connected field or connected item for one issue context and typed input, through the
// cache. Shared by the field routes and connected items.
//
//   connectedOptions(companion: Companion, {
//     tenantId: string,
//     caller: CallerContext,               // {tenantId, apiBaseUrl, forgeTokens} of the request
//     config: ConnectedConfig,             // {id, datasourceId, query, resultPath, idTemplate,
//                                          //  displayTemplate, cacheTtlSeconds (null = datasource's),
//                                          //  maxOptions, cacheGeneration, storage?}
//     context?: RequestContext,            // {issue: {id, key, …, fields}, user: {accountId}}
//     input?: string,                      // typed text ($userInput)
//     overrides?: Record<string, unknown>, // field values that win over context.issue.fields
//     cache: boolean,                      // false: always ask the upstream, report 'off'
//     withRows?: boolean,                  // also return (and cache) the selected rows
//   }) → Promise<{ options: Option[], cache: 'hit'|'miss'|'stale'|'off', rows?: unknown[] }>
//
// Throws AppError: 404 datasource gone, 422 configuration/mapping error, 502/504 upstream failure
// without a stale entry to fall back on.
//
// Cache: key = HMAC-SHA256 under the companion's secret (tenant, datasource id + generation, config
// id + generation, viewer (the accountId when a Jira datasource answers under the user's token, else
// shared), evaluated query);
// TTL = config.cacheTtlSeconds ?? datasource's (default 300 s); 0 = off. Parent values missing from
// the request are read from the tenant's Jira when the issue is named (compute egress: used for this
// computation only, and only their HMAC ends up in a cache key).
import type { Companion } from '../companion.js';
import type { EvaluatedSpec, QuerySpec } from '../connectors/query-pipeline-types.js';
import { refusedTheCaller } from '../connectors/upstream-errors.js';
import type { ConnectedOptionsArgs, ConnectedOptionsResult } from './connected-options-types.js';
import { notFound } from '../errors.js';
import { buildTemplateVariables } from '../templates/template-variables.js';
import { runtimeCaches, type OptionsPayload } from '../cache/runtime-caches.js';
import { parentValues } from './parent-values.js';
import { needsCurrentUserProfile, traceBindings } from '../templates/template-walk.js';

export async function connectedOptions(companion: Companion, args: ConnectedOptionsArgs): Promise<ConnectedOptionsResult> {
  const { tenantId, config } = args;
  const caches = runtimeCaches(companion);
  const datasource = await caches.datasources.get(tenantId, config.datasourceId, args.caller.deadline.startedAt);
  if (!datasource) throw notFound('Datasource');
  const values = await parentValues(companion, args, datasource.row.timeoutMs);
  const vars = buildTemplateVariables(args.context, args.input, values);
  // Compute egress: the profile is read only for a query that names it, and only for this request.
  if (needsCurrentUserProfile(config.query)) vars.currentUser = await companion.pipeline.currentUser(args.caller);
  const spec: QuerySpec = {
    query: config.query,
    resultPath: config.resultPath,
    idTemplate: config.idTemplate,
    displayTemplate: config.displayTemplate,
    maxRows: config.maxOptions,
    wholeAnswer: config.editor === 'readonly',
  };
  if (args.trace) {
    // The tester: the same values, profile and spec as the runtime, straight to the upstream.
    const outcome = await companion.pipeline.run(datasource, spec, vars, args.caller);
    const bindings = traceBindings(config.query, vars as unknown as Record<string, unknown>);
    return { options: outcome.options.slice(0, config.maxOptions), rows: outcome.rows, cache: 'off', trace: { outcome, bindings } };
  }
  const fetch = async (evaluated?: EvaluatedSpec): Promise<OptionsPayload> => {
    const outcome = await companion.pipeline.run(datasource, spec, vars, args.caller, evaluated);
    const options = outcome.options.slice(0, config.maxOptions);
    return args.withRows ? { options, rows: outcome.rows } : { options };
  };

  const ttlSeconds = config.cacheTtlSeconds ?? datasource.row.cacheTtlSeconds;
  // An answer fetched under the user's own token is that user's (DESIGN.md): cached per accountId,
  // and not at all when the user is unknown. Others are fetched with the datasource's or the app's
  // credentials and shared.
  const viewer = companion.pipeline.answersAsUser(datasource, args.caller) ? args.caller.accountId : null;
  if (!args.cache || ttlSeconds <= 0 || viewer === undefined) return { ...(await fetch()), cache: 'off' };

  const evaluated = companion.pipeline.evaluate(datasource, spec, vars);
  const keyHash = caches.cacheKey({
    tenantId,
    datasourceId: datasource.row.id,
    datasourceGeneration: datasource.row.cacheGeneration,
    configId: config.id,
    configGeneration: config.cacheGeneration,
    withRows: args.withRows === true,
    viewer,
    material: evaluated.cacheKeyMaterial,
  });
  const { payload, cache } = await caches.options.resolve({
    tenantId,
    keyHash,
    datasourceId: datasource.row.id,
    configId: config.id,
    ttlSeconds,
    deadline: args.caller.deadline,
    // A miss sends the query its key was made of: rendered once.
    fetch: () => fetch(evaluated),
    // A user Jira now refuses is not answered with what was cached for them.
    refusesCaller: viewer === null ? undefined : refusedTheCaller,
  });
  companion.metrics.datasource(tenantId, datasource.row.id, datasource.row.type).cache(cache);
  return { ...payload, cache };
}
