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
// Cache: key = SHA-256(tenant, datasource id + generation, config id + generation, evaluated query);
// TTL = config.cacheTtlSeconds ?? datasource's (default 300 s); 0 = off. Parent values missing from
// the request are read from the tenant's Jira when the issue is named (compute egress: used for this
// computation only, and only their hash ends up in a cache key).
import type { Companion } from '../companion.js';
import type { QuerySpec } from '../connectors/query-pipeline-types.js';
import type { ConnectedOptionsArgs, ConnectedOptionsResult } from './connected-options-types.js';
import { notFound } from '../errors.js';
import { buildTemplateVariables } from '../templates/template-variables.js';
import { cacheKeyHash } from '../cache/cache-key.js';
import { runtimeCaches, type OptionsPayload } from '../cache/runtime-caches.js';
import { parentValues } from './parent-values.js';

export async function connectedOptions(companion: Companion, args: ConnectedOptionsArgs): Promise<ConnectedOptionsResult> {
  const { tenantId, config } = args;
  const caches = runtimeCaches(companion);
  const datasource = await caches.datasources.get(tenantId, config.datasourceId, args.caller.deadline.startedAt);
  if (!datasource) throw notFound('Datasource');
  const values = await parentValues(companion, args, datasource.row.timeoutMs);
  const vars = buildTemplateVariables(args.context, args.input, values);
  const spec: QuerySpec = {
    query: config.query,
    resultPath: config.resultPath,
    idTemplate: config.idTemplate,
    displayTemplate: config.displayTemplate,
    maxRows: config.maxOptions,
  };
  const fetch = async (): Promise<OptionsPayload> => {
    const outcome = await companion.pipeline.run(datasource, spec, vars, args.caller);
    const options = outcome.options.slice(0, config.maxOptions);
    return args.withRows ? { options, rows: outcome.rows } : { options };
  };

  const ttlSeconds = config.cacheTtlSeconds ?? datasource.row.cacheTtlSeconds;
  if (!args.cache || ttlSeconds <= 0) return { ...(await fetch()), cache: 'off' };

  const { cacheKeyMaterial } = companion.pipeline.evaluate(datasource, spec, vars);
  const keyHash = cacheKeyHash({
    tenantId,
    datasourceId: datasource.row.id,
    datasourceGeneration: datasource.row.cacheGeneration,
    configId: config.id,
    configGeneration: config.cacheGeneration,
    withRows: args.withRows === true,
    material: cacheKeyMaterial,
  });
  const { payload, cache } = await caches.options.resolve({
    tenantId,
    keyHash,
    datasourceId: datasource.row.id,
    configId: config.id,
    ttlSeconds,
    deadline: args.caller.deadline,
    fetch,
  });
  companion.metrics.datasource(tenantId, datasource.row.id, datasource.row.type).cache(cache);
  return { ...payload, cache };
}
