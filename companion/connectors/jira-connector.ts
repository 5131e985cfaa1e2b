// Jira datasources: the query is a Jira REST path (e.g. `/rest/api/3/project/search?query=$userInput`),
// optionally `POST` with a JSON body, sent to the tenant's own Jira through the egress guard.
import type { Dispatcher } from 'undici';
import { exchange } from './http-exchange.js';
import { callsJiraAsUser, jiraAccess } from './jira-auth.js';
import { joinUrl, parseJson, renderRestQuery, splitRestQuery } from './rest-connector.js';
import { upstreamStatus } from './upstream-errors.js';
import { timeoutOf, type Connector } from './connector-types.js';

export function jiraConnector(agent: Dispatcher): Connector {
  return {
    answersAsUser: callsJiraAsUser,

    evaluate(_ds, query, vars) {
      return renderRestQuery(query, vars as never, 'GET');
    },

    async fetch(ds, query, caller) {
      const parts = splitRestQuery(query.text, 'GET');
      const { baseUrl, authorization } = jiraAccess(caller, `Datasource "${ds.row.name}"`);
      const url = joinUrl(ds, baseUrl, parts.path);
      const body = parts.method === 'POST' ? parts.body || '{}' : undefined;
      const answer = await exchange(agent, {
        url,
        method: parts.method,
        headers: { accept: 'application/json', authorization, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body,
        timeoutMs: timeoutOf(ds),
        datasourceName: ds.row.name,
        deadline: caller.deadline,
      });
      if (answer.status < 200 || answer.status >= 300) throw upstreamStatus(ds.row.name, answer.status);
      const started = performance.now();
      const data = parseJson(ds, answer);
      return { data, isRows: false, sendMs: answer.sendMs, waitMs: answer.waitMs, parseMs: performance.now() - started };
    },

    async test(ds, caller) {
      const { baseUrl, authorization } = jiraAccess(caller, `Datasource "${ds.row.name}"`);
      const answer = await exchange(agent, {
        url: joinUrl(ds, baseUrl, '/rest/api/3/serverInfo'),
        method: 'GET',
        headers: { accept: 'application/json', authorization },
        timeoutMs: timeoutOf(ds),
        datasourceName: ds.row.name,
        deadline: caller.deadline,
      });
      if (answer.status < 200 || answer.status >= 300) throw upstreamStatus(ds.row.name, answer.status);
      return `Jira answered HTTP ${answer.status} as the ${callsJiraAsUser(caller) ? 'user' : 'app'}`;
    },
  };
}
