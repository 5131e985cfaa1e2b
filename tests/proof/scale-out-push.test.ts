// Two companion instances on one PostgreSQL database, with their change listeners (LISTEN/NOTIFY,
// companion/cache/change-sequence.ts): a warm hit reads nothing from the database while the
// listener can vouch for what it was pushed; a change through one instance is still used by the
// other's very next request, asked the moment the first one answers; with its listener killed an
// instance reads on every request, still sees every change, and gets the push back; a writer alone
// waits for nobody. Nothing is timed: the test waits for states (a listener that can vouch, a
// reconnect), and counts reads and writers' waits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, databaseKinds } from '../helpers/databases.js';
import { runtimeCaches } from '../../companion/cache/runtime-caches.js';
import type { ChangeSequence } from '../../companion/cache/change-sequence.js';
import { startCompanionOn, type CompanionOn, type CompanionOnOptions } from './support/companion-on.js';
import { startTwoInstances, type TwoInstances } from './support/two-instances.js';

const INSTALLATION = 'pushed';

/** Resolves once `condition` holds, checking every 10 ms (the test's own timeout bounds it). */
async function until(condition: () => boolean) {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

describe.runIf(databaseKinds().includes('postgres'))('change push between two instances on one PostgreSQL', () => {
  let pair: TwoInstances;
  let one: CompanionOn;
  let two: CompanionOn;
  let upstreamUrl: string;
  let shared: CompanionOnOptions;
  const upstreamCalls = () => pair.upstreamCalls();

  beforeAll(async () => {
    pair = await startTwoInstances(() => ({ rows: [{ id: 'c1', name: 'Customer 1' }] }));
    ({ one, two, upstreamUrl, shared } = pair);
  });
  afterAll(async () => pair?.close());

  const changesOf = (c: CompanionOn): ChangeSequence => {
    const changes = runtimeCaches(c.app.companion).changes;
    if (!changes) throw new Error('no change sequence on PostgreSQL');
    return changes;
  };

  const optionsOn = async (c: CompanionOn, fieldId: string) => {
    const res = await c.call('POST', `/v1/fields/${fieldId}/options`, { installationId: INSTALLATION, body: { input: '' } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { options: Array<{ id: string; value: string }>; cache: string };
  };

  let n = 0;
  async function connect() {
    n += 1;
    const ds = await one.call('POST', '/v1/admin/datasources', {
      installationId: INSTALLATION,
      body: { name: `CRM ${n}`, type: 'rest', config: { baseUrl: upstreamUrl }, cacheTtlSeconds: 3600 },
    });
    expect(ds.statusCode, ds.body).toBe(201);
    const fieldBody = {
      key: `customfield_1060${n}`,
      name: `Pushed ${n}`,
      datasourceId: ds.json().id as string,
      editor: 'select',
      storage: 'object',
      query: `/rows?field=${n}`,
      resultPath: '$.rows[*]',
      idTemplate: '${row.id}',
      displayTemplate: '${row.name}',
    };
    const field = await one.call('POST', '/v1/admin/fields', { installationId: INSTALLATION, body: fieldBody });
    expect(field.statusCode, field.body).toBe(201);
    return { datasourceId: ds.json().id as string, fieldId: field.json().id as string, fieldBody };
  }

  /** Changes the field's display template through `c`; its answer is back when this resolves. */
  async function retemplate(c: CompanionOn, fieldId: string, fieldBody: Record<string, unknown>, template: string) {
    const current = (await c.call('GET', `/v1/admin/fields/${fieldId}`, { installationId: INSTALLATION })).json();
    const put = await c.call('PUT', `/v1/admin/fields/${fieldId}`, { installationId: INSTALLATION, body: { ...fieldBody, displayTemplate: template, version: current.version } });
    expect(put.statusCode, put.body).toBe(200);
  }

  it('a warm hit on an instance whose listener can vouch makes no read of the change sequence', async () => {
    const { fieldId } = await connect();
    const b = changesOf(two);
    await until(() => b.pushTrusted());
    // The first request under this listening session reads once (what it read before the
    // listener was up is not kept current by push); the hits after it read nothing.
    expect((await optionsOn(two, fieldId)).options[0]).toEqual({ id: 'c1', value: 'Customer 1' });
    await until(() => b.pushTrusted());
    const reads = b.reads;
    for (let i = 0; i < 20; i += 1) {
      await until(() => b.pushTrusted());
      expect(await optionsOn(two, fieldId)).toMatchObject({ cache: 'hit', options: [{ id: 'c1', value: 'Customer 1' }] });
    }
    expect(b.reads - reads, 'sequence reads for 20 warm hits').toBe(0);
  });

  it("a change through one instance is used by the other's very next request, asked the moment the answer is back, without a read", async () => {
    const { fieldId, fieldBody } = await connect();
    const a = changesOf(one);
    const b = changesOf(two);
    await until(() => b.pushTrusted());
    await optionsOn(two, fieldId);
    const reads = b.reads;
    const acknowledged = a.settles.acknowledged;
    for (let i = 1; i <= 10; i += 1) {
      await until(() => b.pushTrusted());
      await retemplate(one, fieldId, fieldBody, `v${i}: \${row.name}`);
      // No await between A's answer and B's request but the request itself.
      expect((await optionsOn(two, fieldId)).options[0]).toEqual({ id: 'c1', value: `v${i}: Customer 1` });
    }
    // B knew every change by push (the writer waited for B's acknowledgement, not for the timeout).
    expect(b.reads - reads, 'sequence reads on B').toBe(0);
    expect(a.settles.acknowledged - acknowledged, 'writes answered on acknowledgement').toBeGreaterThan(0);

    // A cache clear through A: B's very next request is a miss that calls the upstream.
    const { datasourceId, fieldId: other } = await connect();
    await optionsOn(two, other);
    expect(await optionsOn(two, other)).toMatchObject({ cache: 'hit' });
    const calls = upstreamCalls();
    await until(() => b.pushTrusted());
    const cleared = await one.call('POST', `/v1/admin/datasources/${datasourceId}/cache/clear`, { installationId: INSTALLATION });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(await optionsOn(two, other)).toMatchObject({ cache: 'miss' });
    expect(upstreamCalls() - calls).toBe(1);
  });

  it('with its listener killed an instance reads on every request, still sees every change, and gets the push back', async () => {
    const { fieldId, fieldBody } = await connect();
    const b = changesOf(two);
    await until(() => b.pushTrusted());
    await optionsOn(two, fieldId);

    const killed = await one.db.$queryRaw<Array<{ killed: boolean }>>`
      SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = ${`oc-listen:${b.instanceId}`}`;
    expect(killed.map((k) => k.killed)).toEqual([true]);
    await until(() => !b.pushTrusted());

    const before = b.reads;
    const timedOut = changesOf(one).settles.timedOut;
    await retemplate(one, fieldId, fieldBody, 'Down: ${row.name}');
    // B could not acknowledge: the writer answered only once TRUST_MS had passed.
    expect(changesOf(one).settles.timedOut - timedOut).toBe(1);
    expect((await optionsOn(two, fieldId)).options[0]).toEqual({ id: 'c1', value: 'Down: Customer 1' });
    expect(await optionsOn(two, fieldId)).toMatchObject({ cache: 'hit' });
    expect(b.reads - before, 'one read per request while the listener is down').toBeGreaterThanOrEqual(2);

    // The listener reconnects by itself; the first request under it reads, then hits read nothing.
    await until(() => b.pushTrusted());
    await optionsOn(two, fieldId);
    await until(() => b.pushTrusted());
    const reads = b.reads;
    expect(await optionsOn(two, fieldId)).toMatchObject({ cache: 'hit', options: [{ id: 'c1', value: 'Down: Customer 1' }] });
    await until(() => b.pushTrusted());
    await retemplate(one, fieldId, fieldBody, 'Back: ${row.name}');
    expect((await optionsOn(two, fieldId)).options[0]).toEqual({ id: 'c1', value: 'Back: Customer 1' });
    expect(b.reads - reads).toBe(0);
  });

  it('a writer with no other instance waits for nothing, and its own next request sees its change', async () => {
    const alone = await createTestDatabase('postgres');
    const solo = await startCompanionOn(alone.url, shared);
    try {
      const changes = changesOf(solo);
      await until(() => changes.settlesAlone());
      const before = { ...changes.settles };
      const ds = await solo.call('POST', '/v1/admin/datasources', {
        installationId: INSTALLATION,
        body: { name: 'Solo CRM', type: 'rest', config: { baseUrl: upstreamUrl }, cacheTtlSeconds: 3600 },
      });
      expect(ds.statusCode, ds.body).toBe(201);
      const fieldBody = {
        key: 'customfield_10700', name: 'Solo', datasourceId: ds.json().id as string, editor: 'select', storage: 'object',
        query: '/rows?field=solo', resultPath: '$.rows[*]', idTemplate: '${row.id}', displayTemplate: '${row.name}',
      };
      const field = await solo.call('POST', '/v1/admin/fields', { installationId: INSTALLATION, body: fieldBody });
      expect(field.statusCode, field.body).toBe(201);
      const fieldId = field.json().id as string;
      expect((await optionsOn(solo, fieldId)).options[0]).toEqual({ id: 'c1', value: 'Customer 1' });
      await until(() => changes.settlesAlone());
      await retemplate(solo, fieldId, fieldBody, 'Solo: ${row.name}');
      expect((await optionsOn(solo, fieldId)).options[0]).toEqual({ id: 'c1', value: 'Solo: Customer 1' });
      // Three writes: none waited for the timeout, and (on a machine not stalled for FRESH_MS) they
      // answered at once; otherwise after one round trip on the listener that found no other instance.
      expect(changes.settles.timedOut, 'no write waited for the timeout').toBe(before.timedOut);
      expect(changes.settles.alone + changes.settles.acknowledged - before.alone - before.acknowledged).toBe(3);
      expect(changes.settles.alone - before.alone, 'writes answered without any wait').toBeGreaterThan(0);
      // Stopping closes the listener connection (no leaked client).
      await solo.close();
      const left = await one.db.$queryRaw<Array<{ n: number }>>`
        SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = ${`oc-listen:${changes.instanceId}`}`;
      expect(left).toEqual([{ n: 0 }]);
    } finally {
      await solo.close();
      await alone.drop();
    }
  });
});
