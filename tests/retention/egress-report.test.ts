import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { runPurge } from '../../companion/retention/purge-job.js';
import { runtimeCaches } from '../../companion/cache/runtime-caches.js';
import { AS_UNINSTALL_ENDPOINT } from '../helpers/forge-tokens.js';
import { preUninstallBody } from '../helpers/forge-events.js';

const DAY = 24 * 3600 * 1000;
const rows = JSON.stringify([{ id: 'a', name: 'Alpha' }, { id: 'b', name: 'Beta' }]);
const staticDs = (name: string) => ({ name, type: 'static', config: { format: 'json', data: rows } });
type Category = {
  name: string;
  count: number | null;
  pendingPurge: Array<{ id: string; purgeAt: string }>;
  pendingPurgeCount: number;
  storedIn: string;
  retention: string;
  description: string;
  staleCopies?: { count: number; keptUntil: string | null };
};

describe.each(databaseKinds())('egress report on %s', (kind) => {
  let c: TestCompanion;
  beforeAll(async () => {
    c = await startTestCompanion(kind);
  });
  afterAll(async () => c?.close());

  const report = async (installationId: string) => {
    const res = await c.call('GET', '/v1/admin/egress', { installationId });
    expect(res.statusCode).toBe(200);
    const body = res.json() as { tenantPurgeAt: string | null; categories: Category[] };
    return { ...body, by: Object.fromEntries(body.categories.map((x) => [x.name, x])) as Record<string, Category> };
  };

  it('counts what this tenant has stored, per category, with what awaits purge and when', async () => {
    const as = { installationId: 'egress-a' };
    const ds = [];
    for (const name of ['One', 'Two', 'Three']) ds.push((await c.call('POST', '/v1/admin/datasources', { ...as, body: staticDs(name) })).json());
    await c.call('DELETE', `/v1/admin/datasources/${ds[2].id}`, as);
    const purgeAt = new Date(c.clock.now().getTime() + 30 * DAY).toISOString();
    expect((await c.call('POST', '/v1/admin/fields', { ...as, body: { key: 'customfield_10001', name: 'F', datasourceId: ds[0].id, editor: 'select', storage: 'object' } })).statusCode).toBe(201);
    const item = (await c.call('POST', '/v1/admin/items', { ...as, body: { key: 'connected_item_1', name: 'I', datasourceId: ds[0].id, editor: 'select' } })).json();
    const gone = (await c.call('POST', '/v1/admin/items', { ...as, body: { key: 'connected_item_2', name: 'J', datasourceId: ds[1].id, editor: 'select' } })).json();
    await c.call('PUT', '/v1/admin/mappings', { ...as, body: { version: 1, mappings: [{ itemId: item.id, projectId: '1' }, { itemId: item.id, projectId: '2' }, { itemId: gone.id, projectId: '1' }] } });
    await c.call('DELETE', `/v1/admin/items/${gone.id}`, as);
    for (const issue of ['100', '101', '102']) {
      expect((await c.call('PUT', `/v1/issues/${issue}/items`, { ...as, body: { items: [{ itemId: item.id, values: [{ id: 'b' }] }] } })).statusCode).toBe(200);
    }
    await c.call('DELETE', '/v1/issues/102/items', as);

    const r = await report('egress-a');
    const tenant = await c.db.tenant.findUniqueOrThrow({ where: { installationId: 'egress-a' } });
    expect(r.categories.map((x) => x.name)).toEqual(['datasources', 'fields', 'items', 'mappings', 'itemValues', 'cache', 'installation', 'fieldValues']);
    expect(r.by.datasources).toMatchObject({ count: 3, pendingPurge: [{ id: ds[2].id, purgeAt }], pendingPurgeCount: 1 });
    expect(r.by.datasources!.storedIn).toMatch(/encrypted/);
    expect(r.by.fields).toMatchObject({ count: 1, pendingPurge: [] });
    expect(r.by.items).toMatchObject({ count: 2, pendingPurge: [{ id: gone.id, purgeAt }], pendingPurgeCount: 1 });
    expect(r.by.mappings).toMatchObject({ count: 2 });
    expect(r.by.itemValues).toMatchObject({ count: 3, pendingPurgeCount: 1 });
    expect(r.by.itemValues!.pendingPurge[0]!.purgeAt).toBe(purgeAt);
    expect(r.by.cache!.count).toBe(await c.db.cacheEntry.count({ where: { tenantId: tenant.id } }));
    expect(r.by.cache!.count).toBeGreaterThan(0);
    expect(r.by.installation).toMatchObject({ count: 1, pendingPurge: [] });
    expect(r.by.fieldValues).toMatchObject({ count: null, storedIn: expect.stringMatching(/Jira/) });
    expect(r.tenantPurgeAt).toBeNull();

    // Another tenant sees only itself.
    const other = await report('egress-b');
    for (const name of ['datasources', 'fields', 'items', 'mappings', 'itemValues', 'cache']) expect(other.by[name]).toMatchObject({ count: 0, pendingPurge: [] });
    expect(other.by.installation!.count).toBe(1);
    expect((await c.call('GET', '/v1/admin/egress', { installationId: 'egress-a', moduleKey: 'issue-panel' })).statusCode).toBe(403);

    // Stale cache is pending at once; after the purge, the counts follow.
    c.clock.advance(31 * DAY);
    const before = await report('egress-a');
    expect(before.by.cache!.pendingPurgeCount).toBe(before.by.cache!.count);
    await runPurge(c.db, c.clock);
    const after = await report('egress-a');
    expect(after.by.datasources).toMatchObject({ count: 2, pendingPurge: [] });
    expect(after.by.items).toMatchObject({ count: 1, pendingPurge: [] });
    expect(after.by.itemValues).toMatchObject({ count: 2, pendingPurge: [] });
    expect(after.by.cache).toMatchObject({ count: 0 });

    // Uninstalled: the whole installation awaits purge.
    await c.call('POST', '/v1/lifecycle/uninstall', { installationId: 'egress-a', ...AS_UNINSTALL_ENDPOINT, body: preUninstallBody() });
    const marked = await report('egress-a');
    const tenantPurge = new Date(c.clock.now().getTime() + 30 * DAY).toISOString();
    expect(marked.tenantPurgeAt).toBe(tenantPurge);
    expect(marked.by.installation!.pendingPurge).toEqual([{ id: tenant.id, purgeAt: tenantPurge }]);
  });

  it('states how long cached answers are kept, shows the stale copies, and keeps none longer', async () => {
    const as = { installationId: 'egress-stale' };
    const ds = (await c.call('POST', '/v1/admin/datasources', { ...as, body: staticDs('Kept') })).json();
    const field = (await c.call('POST', '/v1/admin/fields', { ...as, body: { key: 'customfield_10077', name: 'F', datasourceId: ds.id, editor: 'select', storage: 'object' } })).json();
    const fetchedAt = c.clock.now().getTime();
    expect((await c.call('POST', `/v1/fields/${field.id}/options`, { ...as, moduleKey: 'connected-field-edit', body: {} })).json().cache).toBe('miss');
    await runtimeCaches(c.app.companion).options.settled();
    const keptUntil = new Date(fetchedAt + DAY).toISOString();

    const fresh = (await report('egress-stale')).by.cache!;
    expect(fresh.retention).toMatch(/stale copy, served only while the datasource fails, until 24 h after it was fetched/);
    expect(fresh.description).toMatch(/HMAC/);
    expect(fresh.description).toMatch(/per user|for that user/);
    expect(fresh).toMatchObject({ count: 1, pendingPurgeCount: 0, staleCopies: { count: 0, keptUntil } });
    // Past the TTL (300 s) the entry is a stale copy, kept no later than the report said.
    c.clock.advance(301_000);
    expect((await report('egress-stale')).by.cache).toMatchObject({ count: 1, pendingPurgeCount: 0, staleCopies: { count: 1, keptUntil } });
    const row = await c.db.cacheEntry.findFirstOrThrow({ where: { fieldId: field.id } });
    expect(row.staleUntil.toISOString()).toBe(keptUntil);
    // Past that it awaits the purge, which removes it.
    c.clock.advance(DAY);
    expect((await report('egress-stale')).by.cache).toMatchObject({ count: 1, pendingPurgeCount: 1, staleCopies: { count: 0, keptUntil: null } });
    await runPurge(c.db, c.clock);
    expect((await report('egress-stale')).by.cache).toMatchObject({ count: 0, pendingPurgeCount: 0 });
  });
});
