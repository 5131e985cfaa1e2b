import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { purgeOnce, runPurge } from '../../companion/retention/purge-job.js';
import { createPrisma } from '../../companion/db/prisma.js';
import { AS_FIELD_RESOLVER, AS_LIFECYCLE_ENDPOINT, AS_UNINSTALL_ENDPOINT } from '../helpers/forge-tokens.js';
import { runtimeCaches } from '../../companion/cache/runtime-caches.js';
import { installedEvent, preUninstallBody } from '../helpers/forge-events.js';

const DAY = 24 * 3600 * 1000;
const rows = JSON.stringify([{ id: 'a', name: 'Alpha' }, { id: 'b', name: 'Beta' }]);
const staticDs = (name: string) => ({ name, type: 'static', config: { format: 'json', data: rows } });
const item = (datasourceId: string, n: number) => ({ key: `connected_item_${n}`, name: `Item ${n}`, datasourceId, editor: 'select' });

async function seedTenant(c: TestCompanion, installationId: string) {
  const as = { installationId };
  const ds = (await c.call('POST', '/v1/admin/datasources', { ...as, body: staticDs('Kept') })).json();
  const kept = (await c.call('POST', '/v1/admin/items', { ...as, body: item(ds.id, 1) })).json();
  const doomed = (await c.call('POST', '/v1/admin/items', { ...as, body: item(ds.id, 2) })).json();
  await c.call('PUT', '/v1/admin/mappings', { ...as, body: { version: 1, mappings: [{ itemId: kept.id, projectId: '1' }, { itemId: doomed.id, projectId: '1' }] } });
  for (const [issue, it] of [['1', kept], ['1', doomed], ['2', kept]] as const) {
    const res = await c.call('PUT', `/v1/issues/${issue}/items`, { ...as, body: { items: [{ itemId: it.id, values: [{ id: 'a' }] }] } });
    expect(res.statusCode, res.body).toBe(200);
  }
  const tenant = await c.db.tenant.findUniqueOrThrow({ where: { installationId } });
  return { as, ds, kept, doomed, tenantId: tenant.id };
}

async function addCache(c: TestCompanion, tenantId: string, datasourceId: string, keyHash: string, staleUntil: Date, fieldId: string | null = null) {
  await c.db.cacheEntry.create({ data: { tenantId, keyHash, datasourceId, fieldId, payload: { options: [] }, expiresAt: staleUntil, staleUntil } });
}

// The two database kinds side by side: the scheduled purge is waited for in real time.
describeEachDatabase('retention purge on %s', (kind) => {
  let c: TestCompanion;
  beforeAll(async () => {
    c = await startTestCompanion(kind);
  });
  afterAll(async () => c?.close());

  it('purges exactly what is due at the clock\'s now', async () => {
    const a = await seedTenant(c, 'ret-a');
    const spare = (await c.call('POST', '/v1/admin/datasources', { ...a.as, body: staticDs('Spare') })).json();
    const removedDs = (await c.call('POST', '/v1/admin/datasources', { ...a.as, body: staticDs('Removed') })).json();
    // Day 0: a datasource and an item are deleted, issue 2 is deleted; tenants b, c uninstall.
    expect((await c.call('DELETE', `/v1/admin/datasources/${removedDs.id}`, a.as)).statusCode).toBe(204);
    expect((await c.call('DELETE', `/v1/admin/items/${a.doomed.id}`, a.as)).statusCode).toBe(204);
    expect((await c.call('DELETE', '/v1/issues/2/items', a.as)).json()).toEqual({ deleted: 1 });
    const field = await c.call('POST', '/v1/admin/fields', { ...a.as, body: { key: 'customfield_10001', name: 'F', datasourceId: a.ds.id, editor: 'select', storage: 'object' } });
    expect(field.statusCode, field.body).toBe(201);
    expect((await c.call('DELETE', `/v1/admin/fields/${field.json().id}`, a.as)).statusCode).toBe(204);
    const b = await seedTenant(c, 'ret-b');
    const cTenant = await seedTenant(c, 'ret-c');
    for (const who of ['ret-b', 'ret-c']) {
      const res = await c.call('POST', '/v1/lifecycle/uninstall', { installationId: who, ...AS_UNINSTALL_ENDPOINT, body: preUninstallBody() });
      expect(res.json().tenant.state).toBe('uninstalled');
    }
    await addCache(c, a.tenantId, a.ds.id, 'stale-1', new Date(c.clock.now().getTime() + 60_000));
    // Kept longer than the egress report says a cache entry may be (written under another rule).
    await addCache(c, a.tenantId, a.ds.id, 'overlong-1', new Date(c.clock.now().getTime() + 40 * DAY));
    // Day 1: c is reinstalled (its purge is cancelled). Day 10: the spare datasource is deleted.
    c.clock.advance(DAY);
    await c.call('POST', '/v1/lifecycle', { installationId: 'ret-c', ...AS_LIFECYCLE_ENDPOINT, body: installedEvent() });
    c.clock.advance(9 * DAY);
    await c.call('DELETE', `/v1/admin/datasources/${spare.id}`, a.as);
    const d = await seedTenant(c, 'ret-d');
    await c.call('POST', '/v1/lifecycle/uninstall', { installationId: 'ret-d', ...AS_UNINSTALL_ENDPOINT, body: preUninstallBody() });

    // One millisecond before day 30 only the stale cache entry is due.
    c.clock.advance(20 * DAY - 1);
    await addCache(c, a.tenantId, a.ds.id, 'fresh-1', new Date(c.clock.now().getTime() + 3600_000));
    // (The options computed for the values above were cached too: those are stale by now as well.)
    const stale = await c.db.cacheEntry.count({ where: { staleUntil: { lt: c.clock.now() } } });
    expect(stale).toBeGreaterThan(1);
    const early = await runPurge(c.db, c.clock, { holder: 'early' });
    expect(early).toMatchObject({ ran: true, counts: { tenants: 0, itemValues: 0, items: 0, fields: 0, datasources: 0, cacheEntries: stale + 1 } });
    expect(await c.db.cacheEntry.findMany({ select: { keyHash: true } })).toEqual([{ keyHash: 'fresh-1' }]);

    c.clock.advance(1 + 5 * 60_000);
    const due = await purgeOnce(c.app.companion, { holder: 'due' });
    expect(due).toMatchObject({ ran: true, counts: { tenants: 1, itemValues: 2, items: 1, fields: 1, datasources: 1, cacheEntries: 0 }, purgedInstallations: ['ret-b'] });
    // Tenant b is gone with everything it had; c (reinstalled) and d (not yet due) are whole.
    expect(await c.db.tenant.findUnique({ where: { id: b.tenantId } })).toBeNull();
    for (const model of ['datasource', 'item', 'mapping', 'itemValue', 'auditEvent'] as const) {
      expect(await (c.db[model] as unknown as { count(a: object): Promise<number> }).count({ where: { tenantId: b.tenantId } }), model).toBe(0);
      expect(await (c.db[model] as unknown as { count(a: object): Promise<number> }).count({ where: { tenantId: cTenant.tenantId } }), model).toBeGreaterThan(0);
      expect(await (c.db[model] as unknown as { count(a: object): Promise<number> }).count({ where: { tenantId: d.tenantId } }), model).toBeGreaterThan(0);
    }
    // In tenant a: the deleted item (with its values and mappings), the deleted datasource and the
    // deleted issue's values are gone; the live ones and the datasource deleted on day 10 remain.
    expect(await c.db.item.findMany({ where: { tenantId: a.tenantId }, select: { id: true } })).toEqual([{ id: a.kept.id }]);
    expect((await c.db.datasource.findMany({ where: { tenantId: a.tenantId }, select: { id: true } })).map((r) => r.id).sort()).toEqual([a.ds.id, spare.id].sort());
    expect(await c.db.itemValue.findMany({ where: { tenantId: a.tenantId }, select: { issueId: true, itemId: true } })).toEqual([{ issueId: '1', itemId: a.kept.id }]);
    expect(await c.db.mapping.count({ where: { tenantId: a.tenantId } })).toBe(1);
    expect(await c.db.field.count({ where: { tenantId: a.tenantId } })).toBe(0);

    // A purged tenant that comes back starts afresh.
    const back = await c.call('POST', '/v1/admin/datasources', { installationId: 'ret-b', body: staticDs('New') });
    expect(back.statusCode).toBe(201);

    c.clock.advance(10 * DAY);
    const later = await runPurge(c.db, c.clock, { holder: 'later' });
    expect(later.counts).toMatchObject({ datasources: 1, tenants: 1 });
    expect(await c.db.tenant.findUnique({ where: { id: d.tenantId } })).toBeNull();
  });

  it('takes a connected item\'s cached answers with it: on change, on delete, and at the purge', async () => {
    const t = await seedTenant(c, 'ret-items');
    const entriesOf = async (id: string) => {
      await runtimeCaches(c.app.companion).options.settled();
      return c.db.cacheEntry.count({ where: { fieldId: id } });
    };
    const ask = async () => {
      const res = await c.call('POST', `/v1/items/${t.kept.id}/options`, { ...t.as, ...AS_FIELD_RESOLVER, body: { context: { issue: { id: '7' } } } });
      expect(res.statusCode, res.body).toBe(200);
    };
    // (Seeding validated the stored values through the same cache: their entry is there too.)
    await ask();
    expect(await entriesOf(t.kept.id)).toBeGreaterThan(0);
    const changed = await c.call('PUT', `/v1/admin/items/${t.kept.id}`, { ...t.as, body: { ...item(t.ds.id, 1), name: 'Renamed', version: t.kept.version } });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(await entriesOf(t.kept.id)).toBe(0);
    await ask();
    expect(await entriesOf(t.kept.id)).toBe(1);
    await c.call('PUT', '/v1/admin/mappings', { ...t.as, body: { version: 2, mappings: [] } });
    expect((await c.call('DELETE', `/v1/admin/items/${t.kept.id}`, t.as)).statusCode).toBe(204);
    expect(await entriesOf(t.kept.id)).toBe(0);

    // An entry another instance wrote while the item was being deleted is still fresh when the
    // item is purged: it goes with the item.
    c.clock.advance(30 * DAY);
    await addCache(c, t.tenantId, t.ds.id, 'late-item-entry', new Date(c.clock.now().getTime() + 3600_000), t.kept.id);
    expect((await runPurge(c.db, c.clock, { holder: 'items' })).ran).toBe(true);
    expect(await c.db.item.count({ where: { id: t.kept.id } })).toBe(0);
    expect(await c.db.cacheEntry.count({ where: { keyHash: 'late-item-entry' } })).toBe(0);
  });

  it('runs once when two purges start at the same time, and again only after the lease', async () => {
    const t = await seedTenant(c, 'ret-e');
    const doomed = [];
    for (let i = 0; i < 5; i += 1) doomed.push((await c.call('POST', '/v1/admin/datasources', { ...t.as, body: staticDs(`Gone ${i}`) })).json());
    for (const ds of doomed) await c.call('DELETE', `/v1/admin/datasources/${ds.id}`, t.as);
    c.clock.advance(31 * DAY);
    // A second instance: its own Prisma client (own connections) where the database allows it.
    const other = kind === 'postgres' ? createPrisma(c.databaseUrl, 2) : c.db;
    try {
      const outcomes = await Promise.all([runPurge(c.db, c.clock, { holder: 'one' }), runPurge(other, c.clock, { holder: 'two' })]);
      expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
      expect(outcomes.reduce((n, o) => n + o.counts.datasources, 0)).toBe(5);
      expect(await c.db.datasource.count({ where: { tenantId: t.tenantId } })).toBe(1);
      const lease = await c.db.jobLease.findUniqueOrThrow({ where: { name: 'retention.purge' } });
      expect(['one', 'two']).toContain(lease.holder);
      expect(lease.lastRunAt?.getTime()).toBe(c.clock.now().getTime());
      // Inside the lease every attempt is a no-op; after it, the next run takes over.
      expect((await runPurge(other, c.clock, { holder: 'three' })).ran).toBe(false);
      c.clock.advance(5 * 60_000);
      expect(await runPurge(other, c.clock, { holder: 'three' })).toMatchObject({ ran: true, counts: { datasources: 0 } });
    } finally {
      if (other !== c.db) await other.$disconnect();
    }
  });

  it('is scheduled inside the companion on PURGE_INTERVAL_SECONDS', async () => {
    const withJobs = await startTestCompanion(kind, { jobs: true, env: { PURGE_INTERVAL_SECONDS: '1' } });
    try {
      const ds = (await withJobs.call('POST', '/v1/admin/datasources', { body: staticDs('Scheduled') })).json();
      await withJobs.call('DELETE', `/v1/admin/datasources/${ds.id}`);
      withJobs.clock.advance(31 * DAY);
      // Waits for the timer to fire (an event, not a duration being measured).
      await vi.waitFor(
        async () => {
          // The run records itself once it is done: wait for that, then look at what it did.
          const lease = await withJobs.db.jobLease.findUnique({ where: { name: 'retention.purge' } });
          expect(lease?.lastRunAt?.getTime()).toBe(withJobs.clock.now().getTime());
        },
        { timeout: 15_000, interval: 100 },
      );
      expect(await withJobs.db.datasource.count({ where: { id: ds.id } })).toBe(0);
    } finally {
      await withJobs.close();
    }
  });
});
