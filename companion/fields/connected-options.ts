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
import type { EvaluatedSpec, QuerySpec, TemplateVariables } from '../connectors/query-pipeline-types.js';
import type { DatasourceForUse } from '../datasources/datasource-for-use.js';
import { refusedTheCaller } from '../connectors/upstream-errors.js';
import type { ConnectedOptionsArgs, ConnectedOptionsResult } from './connected-options-types.js';
import { notFound } from '../errors.js';
import { buildTemplateVariables } from '../templates/template-variables.js';
import { runtimeCaches, type OptionsPayload } from '../cache/runtime-caches.js';
import { parentValues, parentValuesGiven } from './parent-values.js';
import { needsCurrentUserProfile, traceBindings } from '../templates/template-walk.js';

export async function connectedOptions(companion: Companion, args: ConnectedOptionsArgs): Promise<ConnectedOptionsResult> {
  const { tenantId, config } = args;
  const caches = runtimeCaches(companion);
  const { datasource, vars, spec } = await prepare(companion, args);
  if (args.trace) {
    // The tester: the same values, profile and spec as the runtime, straight to the upstream.
    const outcome = await companion.pipeline.run(datasource, spec, vars, args.caller);
    const bindings = traceBindings(config.query, vars as unknown as Record<string, unknown>);
    return { options: outcome.options.slice(0, config.maxOptions), rows: outcome.rows, cache: 'off', trace: { outcome, bindings } };
  }
  /** The query built now (rendered unless `evaluated` is given), and the function that sends it and shapes the answer. */
  const prepared = (evaluated?: EvaluatedSpec): (() => Promise<OptionsPayload>) => {
    const send = companion.pipeline.prepare(datasource, spec, vars, args.caller, evaluated);
    return async () => {
      const outcome = await send();
      const options = outcome.options.slice(0, config.maxOptions);
      return args.withRows ? { options, rows: outcome.rows } : { options };
    };
  };
  const key = args.cache ? cacheKeyOf(companion, args, { datasource, vars, spec }) : undefined;
  if (!key) return { ...(await prepared()()), cache: 'off' };

  const { payload, cache } = await caches.options.resolve({
    tenantId,
    keyHash: key.keyHash,
    datasourceId: datasource.row.id,
    configId: config.id,
    ttlSeconds: key.ttlSeconds,
    deadline: args.caller.deadline,
    // A miss sends the query its key was made of: rendered once.
    fetch: () => prepared(key.evaluated)(),
    prepare: () => prepared(key.evaluated),
    // A user Jira now refuses is not answered with what was cached for them.
    refusesCaller: key.viewer === null ? undefined : refusedTheCaller,
  });
  companion.metrics.datasource(tenantId, datasource.row.id, datasource.row.type).cache(cache);
  return { ...payload, cache };
}

/**
 * What connectedOptions would answer as a hit from this instance's memory, or undefined, without any
 * I/O and without waiting: the datasource copy held, parent values all in the request, no profile
 * to read, the in-process entry fresh. Nothing is changed or counted, so a caller that gets
 * undefined can run connectedOptions instead as if this had never run. The hot path uses it
 * (fields/options-hit.ts).
 */
export function cachedOptions(
  companion: Companion,
  args: Omit<ConnectedOptionsArgs, 'cache' | 'withRows' | 'trace'>,
): { options: OptionsPayload['options']; datasource: DatasourceForUse } | undefined {
  const caches = runtimeCaches(companion);
  const datasource = caches.datasources.peek(args.tenantId, args.config.datasourceId, args.caller.deadline.startedAt);
  if (!datasource) return undefined;
  const keyHash = NO_TEMPLATE.test(args.config.query) ? rememberedKey(companion, args, datasource) : keyInMemory(companion, args, datasource);
  const payload = keyHash === undefined ? undefined : caches.options.peek(keyHash);
  return payload ? { options: payload.options, datasource } : undefined;
}

function keyInMemory(companion: Companion, args: Omit<ConnectedOptionsArgs, 'cache'>, datasource: DatasourceForUse): string | undefined {
  const values = needsCurrentUserProfile(args.config.query) ? undefined : parentValuesGiven(args);
  return values && cacheKeyOf(companion, args, withSpec(args, datasource, values))?.keyHash;
}

/** A query with no reference (`$`) and no directive (`#`) in it renders to its own text for every request. */
const NO_TEMPLATE = /^[^$#]*$/;
const MAX_REMEMBERED_VIEWERS = 1_000;

interface RememberedKeys {
  datasource: DatasourceForUse;
  configGeneration: number;
  query: string;
  /** By viewer: '' for a shared answer, else `user:<accountId>`. */
  byViewer: Map<string, string>;
}

/**
 * Such a query's cache key is the same for every request of one viewer, so it is remembered per
 * field copy, as the HMAC only (nothing of a request is in it), for as long as the field and
 * datasource copies it was made from are the ones in use: a changed field or datasource is a new
 * copy, and the generations and query are compared as well.
 */
const remembered = new WeakMap<ConnectedOptionsArgs['config'], RememberedKeys>();

function rememberedKey(companion: Companion, args: Omit<ConnectedOptionsArgs, 'cache'>, datasource: DatasourceForUse): string | undefined {
  const { config } = args;
  let keys = remembered.get(config);
  if (!keys || keys.datasource !== datasource || keys.configGeneration !== config.cacheGeneration || keys.query !== config.query) {
    keys = { datasource, configGeneration: config.cacheGeneration, query: config.query, byViewer: new Map() };
    remembered.set(config, keys);
  }
  const viewer = viewerOf(companion, datasource, args.caller);
  if (viewer === undefined) return undefined;
  const who = viewer === null ? '' : `user:${viewer}`;
  let keyHash = keys.byViewer.get(who);
  if (keyHash === undefined) {
    keyHash = keyInMemory(companion, args, datasource);
    if (keyHash === undefined) return undefined;
    if (keys.byViewer.size >= MAX_REMEMBERED_VIEWERS) keys.byViewer.clear();
    keys.byViewer.set(who, keyHash);
  }
  return keyHash;
}

interface Prepared {
  datasource: DatasourceForUse;
  vars: TemplateVariables;
  spec: QuerySpec;
}

/** The datasource, the values the templates see (parents read where needed, the profile if named) and the query spec. */
async function prepare(companion: Companion, args: ConnectedOptionsArgs): Promise<Prepared> {
  const { tenantId, config } = args;
  const datasource = await runtimeCaches(companion).datasources.get(tenantId, config.datasourceId, args.caller.deadline.startedAt);
  if (!datasource) throw notFound('Datasource');
  const prepared = withSpec(args, datasource, await parentValues(companion, args, datasource.row.timeoutMs));
  // Compute egress: the profile is read only for a query that names it, and only for this request.
  if (needsCurrentUserProfile(config.query)) prepared.vars.currentUser = await companion.pipeline.currentUser(args.caller);
  return prepared;
}

function withSpec(args: Omit<ConnectedOptionsArgs, 'cache'>, datasource: DatasourceForUse, values: Record<string, unknown>): Prepared {
  const { config } = args;
  const spec: QuerySpec = {
    query: config.query,
    resultPath: config.resultPath,
    idTemplate: config.idTemplate,
    displayTemplate: config.displayTemplate,
    maxRows: config.maxOptions,
    wholeAnswer: config.editor === 'readonly',
  };
  return { datasource, vars: buildTemplateVariables(args.context, args.input, values), spec };
}

/**
 * Whose answer it is. One fetched under the user's own token is that user's (DESIGN.md): cached per
 * accountId, and not at all when the user is unknown (undefined). Others are fetched with the
 * datasource's or the app's credentials and shared (null).
 */
function viewerOf(companion: Companion, datasource: DatasourceForUse, caller: ConnectedOptionsArgs['caller']): string | null | undefined {
  return companion.pipeline.answersAsUser(datasource, caller) ? caller.accountId : null;
}

/** The answer's cache key, its TTL and whose answer it is; undefined when it is not to be cached. */
function cacheKeyOf(companion: Companion, args: Omit<ConnectedOptionsArgs, 'cache'>, { datasource, vars, spec }: Prepared) {
  const ttlSeconds = args.config.cacheTtlSeconds ?? datasource.row.cacheTtlSeconds;
  const viewer = viewerOf(companion, datasource, args.caller);
  if (ttlSeconds <= 0 || viewer === undefined) return undefined;
  const evaluated = companion.pipeline.evaluate(datasource, spec, vars);
  const keyHash = runtimeCaches(companion).cacheKey({
    tenantId: args.tenantId,
    datasourceId: datasource.row.id,
    datasourceGeneration: datasource.row.cacheGeneration,
    configId: args.config.id,
    configGeneration: args.config.cacheGeneration,
    withRows: args.withRows === true,
    viewer,
    material: evaluated.cacheKeyMaterial,
  });
  return { keyHash, ttlSeconds, viewer, evaluated };
}
