// A Forge test env whose Jira is a loopback server (the companion reads issues from it, as from a
// tenant's Jira), plus fields made on the sample datasource's cities and countries: for the suites
// that run the app's functions (Automation steps, the value function, the JQL function) end to end.
import { COUNTRY_FIELD } from '../../../scripts/demo/country-city-config.js';
import { platformState } from './forge-platform-state.js';
import { startForgeTestEnv, type ForgeTestEnv } from './forge-test-env.js';
import { startJiraRestServer, type JiraRestServer } from './jira-rest-server.js';

type Handlers = typeof import('../../../src/index.js');

/** The read-only field both suites compute: the first city of the country. */
export const FIRST_CITY = { name: 'First city', editor: 'readonly', storage: 'snapshot', query: `GET /cities?country=$issue.${COUNTRY_FIELD}.id` };

export interface JiraBackedEnv {
  env: ForgeTestEnv;
  jira: JiraRestServer;
  /** Creates a Jira field and its configuration on the sample datasource (cities unless said); its key. */
  createField(field: Record<string, unknown>): Promise<string>;
  /** For beforeEach: the platform reset, pointed at the loopback Jira again. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startJiraBackedEnv(handlers: Handlers): Promise<JiraBackedEnv> {
  const env = await startForgeTestEnv(handlers);
  const jira = await startJiraRestServer(platformState);
  return {
    env,
    jira,
    createField: async (field) =>
      (await env.admin<{ key: string }>('fields/create', {
        jiraField: { create: true },
        field: { datasourceId: env.config.datasource.id, resultPath: '$.cities[*]', displayTemplate: '${row.name}', ...field },
      })).key,
    async reset() {
      await env.reset();
      platformState.jiraUrl = jira.url;
    },
    async close() {
      await jira.close();
      await env.close();
    },
  };
}
