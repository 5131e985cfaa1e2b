// One real companion listening on loopback, the sample REST service it may reach (allow-listed),
// and helpers that call the real resolver functions as a Jira admin or a plain user.
import { startTestCompanion, type TestCompanion } from '../../helpers/test-companion.js';
import { startSampleRestDatasource, type SampleRestDatasource } from '../../../scripts/demo/sample-rest-datasource.js';
import { configureSampleTenant, type SampleConfig } from '../../../scripts/demo/country-city-config.js';
import { platformState, resetPlatform } from './forge-platform-state.js';
import { callResolver, type CallAs, type Envelope } from './call-resolver.js';

export const ADMIN = 'account-admin';
export const USER = 'account-user';
export const ISSUE = { id: '10100', key: 'DEMO-1', typeId: '10001' };
export const PROJECT = { id: '10000', key: 'DEMO' };

type Handlers = typeof import('../../../src/index.js');

export interface ForgeTestEnv {
  companion: TestCompanion;
  url: string;
  sample: SampleRestDatasource;
  config: SampleConfig;
  /** Resets the platform state (kvs, admins, recorded calls) and re-saves the render hints. */
  reset(): Promise<void>;
  admin<T = Record<string, unknown>>(definition: string, payload?: Record<string, unknown>): Promise<T>;
  field(definition: string, payload: Record<string, unknown>, as?: CallAs): Promise<Envelope>;
  close(): Promise<void>;
}

export async function startForgeTestEnv(handlers: Handlers): Promise<ForgeTestEnv> {
  const companion = await startTestCompanion('embedded', { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
  const url = await companion.app.listen({ port: 0, host: '127.0.0.1' });
  const sample = await startSampleRestDatasource();
  const admin = async <T>(definition: string, payload: Record<string, unknown> = {}): Promise<T> => {
    const answer = await callResolver<T>(handlers.adminResolver, 'admin-resolver', definition, payload, { accountId: ADMIN });
    if (!answer.ok) throw new Error(`${definition}: ${answer.error.status} ${answer.error.message}`);
    return answer.data;
  };
  const reset = async () => {
    resetPlatform(url, companion.issuer);
    platformState.jiraAdmins.add(ADMIN);
  };
  await reset();
  const config = await configureSampleTenant(admin, sample.url);
  return {
    companion,
    url,
    sample,
    config,
    async reset() {
      await reset();
      await admin('fields/list'); // heals the render hints, as opening the admin page does
      platformState.remoteCalls = [];
      platformState.remoteBodies = [];
      platformState.jiraCalls = [];
    },
    admin,
    field: (definition, payload, as = { accountId: USER, extension: { issue: ISSUE, project: PROJECT } }) =>
      callResolver(handlers.fieldResolver, 'field-resolver', definition, payload, as),
    async close() {
      await sample.close();
      await companion.close();
    },
  };
}
