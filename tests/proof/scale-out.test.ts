// Two companion instances on one PostgreSQL database behave as one: a cache clear on one is seen by
// the other's next request, a datasource changed on one is used by the other's next request, and
// two purge runs at once purge each due row exactly once. PostgreSQL only: the embedded database is
// one process's own and cannot be shared.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { FakeClock } from '../helpers/test-companion.js';
import { purgeOnce } from '../../companion/retention/purge-job.js';
import type { CompanionOn } from './support/companion-on.js';
import { startTwoInstances, type TwoInstances } from './support/two-instances.js';
import { staticDatasourceBody } from './support/tenant-fixtures.js';

describe.runIf(databaseKinds().includes('postgres'))('two instances on one PostgreSQL', () => {
  let pair: TwoInstances;
  let one: CompanionOn;
  let two: CompanionOn;
  let upstreamUrl: string;
  /** What the upstream answers now: the test changes it to see whose answer is served. */
  let rows = [{ id: 'v1', name: 'Version one' }];
  const clock = new FakeClock();

  beforeAll(async () => {
    pair = await startTwoInstances(() => ({ rows }), { clock });
    ({ one, two, upstreamUrl } = pair);
  });
  afterAll(async () => pair?.close());

  const optionsOn = async (c: CompanionOn, fieldId: string) => {
    const res = await c.call('POST', `/v1/fields/${fieldId}/options`, { installationId: 'scaled', body: { input: '' } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { options: Array<{ id: string }>; cache: string };
  };

  it('a cache clear on one instance is seen by the other', async () => {
    const ds = (await one.call('POST', '/v1/admin/datasources', {
      installationId: 'scaled',
      body: { name: 'Shared CRM', type: 'rest', config: { baseUrl: upstreamUrl }, cacheTtlSeconds: 3600 },
    })).json();
    const field = (await one.call('POST', '/v1/admin/fields', {
      installationId: 'scaled',
      body: { key: 'customfield_10400', name: 'Shared', datasourceId: ds.id, editor: 'select', storage: 'object', query: '/rows', resultPath: '$.rows[*]', idTemplate: '${row.id}', displayTemplate: '${row.name}' },
    })).json();

    expect(await optionsOn(one, field.id)).toMatchObject({ options: [{ id: 'v1' }], cache: 'miss' });
    // The second instance finds the first one's answer in the shared cache: no upstream call.
    expect(await optionsOn(two, field.id)).toMatchObject({ options: [{ id: 'v1' }], cache: 'hit' });
    expect(await optionsOn(two, field.id)).toMatchObject({ options: [{ id: 'v1' }], cache: 'hit' });

    rows = [{ id: 'v2', name: 'Version two' }];
    // Within the TTL both keep serving v1 from cache...
    expect((await optionsOn(two, field.id)).options[0]?.id).toBe('v1');
    // ...until an admin clears the datasource's cache on instance one.
    const cleared = await one.call('POST', `/v1/admin/datasources/${ds.id}/cache/clear`, { installationId: 'scaled' });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(await optionsOn(one, field.id)).toMatchObject({ options: [{ id: 'v2' }], cache: 'miss' });
    // Instance two's very next request sees the clear: no window, however little time passed.
    expect((await optionsOn(two, field.id)).options[0]?.id).toBe('v2');
    expect((await optionsOn(one, field.id)).options[0]?.id).toBe('v2');

    // A datasource changed on instance two (its base URL) is used by instance one.
    rows = [{ id: 'v3', name: 'Version three' }];
    const current = (await two.call('GET', `/v1/admin/datasources/${ds.id}`, { installationId: 'scaled' })).json();
    const put = await two.call('PUT', `/v1/admin/datasources/${ds.id}`, {
      installationId: 'scaled',
      body: { name: 'Shared CRM', type: 'rest', config: { baseUrl: `${upstreamUrl}/` }, cacheTtlSeconds: 3600, version: current.version },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(await optionsOn(one, field.id)).toMatchObject({ options: [{ id: 'v3' }], cache: 'miss' });
  });

  it('two purge runs at once (one per instance) purge every due row exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      const created = (await (i % 2 ? one : two).call('POST', '/v1/admin/datasources', { installationId: 'purged', body: staticDatasourceBody(`Old ${i}`) })).json();
      expect((await one.call('DELETE', `/v1/admin/datasources/${created.id}`, { installationId: 'purged' })).statusCode).toBe(204);
      ids.push(created.id);
    }
    clock.advance(31 * 24 * 3600 * 1000);
    const rounds = [];
    for (let round = 0; round < 5; round += 1) {
      rounds.push(
        await Promise.all([
          purgeOnce(one.app.companion, { holder: 'instance-one', leaseMs: 60_000 }),
          purgeOnce(two.app.companion, { holder: 'instance-two', leaseMs: 60_000 }),
        ]),
      );
    }
    const outcomes = rounds.flat();
    expect(outcomes.filter((o) => o.ran).length, 'one run inside the lease window, whoever wins').toBe(1);
    expect(outcomes.reduce((n, o) => n + o.counts.datasources, 0)).toBe(ids.length);
    expect(await one.db.datasource.count({ where: { id: { in: ids } } })).toBe(0);
    // After the lease has run out the next run (on either instance) goes ahead and finds nothing due.
    clock.advance(61_000);
    const [a, b] = await Promise.all([purgeOnce(one.app.companion, { holder: 'instance-one' }), purgeOnce(two.app.companion, { holder: 'instance-two' })]);
    expect([a.ran, b.ran].filter(Boolean).length).toBe(1);
    expect(a.counts.datasources + b.counts.datasources).toBe(0);
  });
});
