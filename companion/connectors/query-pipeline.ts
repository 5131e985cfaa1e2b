// The query pipeline: render the query for its datasource type, fetch through the connector, pick
// the rows, map them to options, and time each step. Every outbound connection goes through the
// egress guard built from COMPANION_EGRESS_ALLOW.
import type { Config } from '../config.js';
import { systemClock, type Clock } from '../clock.js';
import type { DatasourceForUse } from '../datasources/datasource-for-use.js';
import { AppError } from '../errors.js';
import { createEgressPolicy } from '../egress/egress-policy.js';
import { createGuardedAgent } from '../egress/guarded-dispatcher.js';
import type { Connector, FetchedData } from './connector-types.js';
import { timeoutOf } from './connector-types.js';
import { jiraConnector } from './jira-connector.js';
import { readIssueFields } from './jira-issue-reader.js';
import { currentUserReader } from './jira-current-user.js';
import { oauth2Tokens } from './oauth2-tokens.js';
import { restConnector } from './rest-connector.js';
import { mapOptions, mapWholeAnswer, selectRows } from './row-mapping.js';
import { sqlConnector } from './sql-connector.js';
import { staticConnector } from './static-connector.js';
import { toUpstreamError, upstreamTooSlow, MAX_ROWS } from './upstream-errors.js';
import type { CallerContext, EvaluatedSpec, QueryOutcome, QueryPipeline, QuerySpec, TemplateVariables } from './query-pipeline-types.js';

export function createQueryPipeline(config: Config, clock: Clock = systemClock): QueryPipeline {
  const policy = createEgressPolicy(config.egressAllow);
  const agent = createGuardedAgent(policy);
  // Token lifetimes follow the companion's clock, so tests can let a token expire without waiting.
  const oauth = oauth2Tokens(agent, () => clock.now().getTime());
  const currentUser = currentUserReader(agent, () => clock.now().getTime());
  const connectors: Record<string, Connector> = {
    rest: restConnector(agent, oauth),
    jira: jiraConnector(agent),
    static: staticConnector(),
    postgresql: sqlConnector('postgresql', policy, undefined, config.sqlPoolIdleSeconds * 1000),
    mysql: sqlConnector('mysql', policy, undefined, config.sqlPoolIdleSeconds * 1000),
  };

  const connectorFor = (ds: DatasourceForUse): Connector => {
    const connector = connectors[ds.row.type];
    if (!connector) throw new AppError(422, 'datasource_misconfigured', `Datasource "${ds.row.name}" has an unknown type`);
    return connector;
  };

  function evaluate(ds: DatasourceForUse, spec: QuerySpec, vars: TemplateVariables) {
    const evaluatedQuery = connectorFor(ds).evaluate(ds, spec.query ?? '', vars);
    // The datasource's identity and version are part of the material: a changed datasource must
    // not answer from entries made for its previous configuration.
    const cacheKeyMaterial = JSON.stringify([ds.row.id, ds.row.version, evaluatedQuery.text, evaluatedQuery.params]);
    return { evaluatedQuery, cacheKeyMaterial };
  }

  function prepare(ds: DatasourceForUse, spec: QuerySpec, vars: TemplateVariables, caller: CallerContext, evaluated?: EvaluatedSpec): () => Promise<QueryOutcome> {
    let connector: Connector;
    let rendered: EvaluatedSpec;
    let send: () => Promise<FetchedData>;
    const t0 = performance.now();
    try {
      connector = connectorFor(ds);
      rendered = evaluated ?? evaluate(ds, spec, vars);
    } catch (error) {
      return () => Promise.reject(error);
    }
    const renderMs = performance.now() - t0;
    const { evaluatedQuery, cacheKeyMaterial } = rendered;
    const limit = Math.min(spec.maxRows > 0 ? spec.maxRows : MAX_ROWS, MAX_ROWS);
    try {
      send = connector.prepare ? connector.prepare(ds, evaluatedQuery, caller, limit) : () => connector.fetch(ds, evaluatedQuery, caller, limit);
    } catch (error) {
      send = () => Promise.reject(error);
    }
    return async () => {
      let fetched;
      try {
        // The connectors end their own steps by the deadline; the race also covers the steps they
        // cannot cancel (a SQL pool still connecting, a DNS answer that does not come).
        fetched = await caller.deadline.race(send(), () => upstreamTooSlow(ds.row.name, caller.deadline.budgetMs));
      } catch (err) {
        throw toUpstreamError(ds.row.name, err, timeoutOf(ds));
      }
      const t1 = performance.now();
      const rows = fetched.isRows ? (fetched.data as unknown[]).slice(0, limit) : selectRows(fetched.data, spec.resultPath, limit);
      const parseMs = fetched.parseMs + (performance.now() - t1);
      const t2 = performance.now();
      const options = spec.wholeAnswer ? mapWholeAnswer(fetched.isRows ? rows : fetched.data, rows, spec.idTemplate, spec.displayTemplate) : mapOptions(rows, spec.idTemplate, spec.displayTemplate);
      return {
        evaluatedQuery,
        cacheKeyMaterial,
        rows,
        options,
        timings: { renderMs, sendMs: fetched.sendMs, waitMs: fetched.waitMs, parseMs, mapMs: performance.now() - t2 },
      };
    };
  }

  return {
    evaluate,

    answersAsUser: (ds, caller) => connectorFor(ds).answersAsUser?.(caller) ?? false,

    run: (ds, spec, vars, caller, evaluated) => prepare(ds, spec, vars, caller, evaluated)(),

    prepare,

    async test(ds, caller: CallerContext) {
      const started = performance.now();
      try {
        const message = await caller.deadline.race(connectorFor(ds).test(ds, caller), () => upstreamTooSlow(ds.row.name, caller.deadline.budgetMs));
        return { ok: true, ms: Math.round(performance.now() - started), message };
      } catch (err) {
        const error = toUpstreamError(ds.row.name, err, timeoutOf(ds));
        return { ok: false, ms: Math.round(performance.now() - started), message: error.message };
      }
    },

    currentUser,

    readIssueFields: (caller, issueIdOrKey, fieldIds, timeoutMs) => readIssueFields(caller, issueIdOrKey, fieldIds, timeoutMs, agent),

    async release(datasourceId) {
      oauth.release(datasourceId);
      await Promise.all(Object.values(connectors).map((c) => c.release?.(datasourceId)));
    },

    async close() {
      await Promise.all(Object.values(connectors).map((c) => c.close?.()));
      // The HTTP server is closed by now: nothing waits for these answers any more.
      await agent.destroy();
    },
  };
}
