import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { hasErrorShape } from '../proof/support/proof-client.js';

const rows = JSON.stringify([{ code: 'ACME', name: 'Acme Ltd', tier: 'gold' }, { code: 'GLOBEX', name: 'Globex', tier: 'silver' }]);
const staticDs = { name: 'Customers', type: 'static', config: { format: 'json', data: rows } };
const itemBody = (datasourceId: string, over: Record<string, unknown> = {}) => ({
  key: 'connected_item_1',
  name: 'Customer',
  datasourceId,
  editor: 'select',
  idTemplate: '${row.code}',
  displayTemplate: '${row.name}',
  attributes: { tier: '${row.tier}' },
  ...over,
});

describe.each(databaseKinds())('connected items and mappings on %s', (kind) => {
  let c: TestCompanion;
  let dsId: string;
  beforeAll(async () => {
    c = await startTestCompanion(kind);
    dsId = (await c.call('POST', '/v1/admin/datasources', { body: staticDs })).json().id;
  });
  afterAll(async () => c?.close());

  it('creates, reads, lists, updates with a version and soft-deletes an item', async () => {
    const created = await c.call('POST', '/v1/admin/items', { body: itemBody(dsId), principal: 'acc-1' });
    expect(created.statusCode).toBe(201);
    // The create answer also carries the template check's warnings; a read has the stored view.
    const { warnings, ...item } = created.json();
    expect(Array.isArray(warnings)).toBe(true);
    expect(item).toMatchObject({ key: 'connected_item_1', version: 1, attributes: { tier: '${row.tier}' }, maxOptions: 1000, dependsOn: [] });
    expect((await c.call('GET', `/v1/admin/items/${item.id}`)).json()).toEqual(item);
    expect((await c.call('GET', '/v1/admin/items')).json().items.map((i: { id: string }) => i.id)).toContain(item.id);

    const updated = await c.call('PUT', `/v1/admin/items/${item.id}`, { body: { ...itemBody(dsId, { name: 'Client' }), version: 1 } });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ name: 'Client', version: 2 });
    const stale = await c.call('PUT', `/v1/admin/items/${item.id}`, { body: { ...itemBody(dsId), version: 1 } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('version_conflict');

    expect((await c.call('POST', '/v1/admin/items', { body: itemBody(dsId) })).statusCode).toBe(409);

    expect((await c.call('DELETE', `/v1/admin/items/${item.id}`)).statusCode).toBe(204);
    expect((await c.call('GET', `/v1/admin/items/${item.id}`)).statusCode).toBe(404);
    const row = await c.db.item.findUnique({ where: { id: item.id } });
    expect(row?.purgeAt?.getTime()).toBe(c.clock.now().getTime() + 30 * 24 * 3600 * 1000);
    // The key is free again once the item is deleted.
    const again = await c.call('POST', '/v1/admin/items', { body: itemBody(dsId) });
    expect(again.statusCode).toBe(201);
    await c.call('DELETE', `/v1/admin/items/${again.json().id}`);
  });

  it('refuses bad input with 4xx and the error shape, storing nothing', async () => {
    const before = await c.db.item.count();
    // Each refusal also says where (error.details: a JSON pointer into the body), so the admin page
    // can show the message beside the input it concerns.
    const cases: Array<[Record<string, unknown>, number, string, string]> = [
      [itemBody(dsId, { key: 'customfield_1' }), 400, 'validation_failed', '/key'],
      [itemBody(dsId, { key: 'connected_item_' }), 400, 'validation_failed', '/key'],
      [itemBody(dsId, { editor: 'autocomplete' }), 400, 'validation_failed', '/editor'],
      [itemBody(dsId, { surprise: 1 }), 400, 'validation_failed', '/surprise'],
      [itemBody(dsId, { name: '' }), 400, 'validation_failed', '/name'],
      [{ ...itemBody(dsId), name: undefined }, 400, 'validation_failed', '/name'],
      [itemBody(dsId, { attributes: { 'bad name': 'x' } }), 400, 'validation_failed', '/attributes/bad name'],
      [itemBody(dsId, { attributes: { value: '${row.x}' } }), 400, 'validation_failed', '/attributes/value'],
      [itemBody(dsId, { displayTemplate: '#if($row.name' }), 400, 'invalid_template', '/displayTemplate'],
      [itemBody(dsId, { attributes: { tier: '#foreach(' } }), 400, 'invalid_template', '/attributes/tier'],
      [itemBody('00000000-0000-0000-0000-000000000000'), 422, 'unknown_datasource', '/datasourceId'],
      [itemBody(dsId, { key: 'connected_item_7', query: '$issue.connected_item_7.id' }), 422, 'dependency_cycle', '/query'],
    ];
    for (const [body, status, code, path] of cases) {
      const res = await c.call('POST', '/v1/admin/items', { body });
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      expect(hasErrorShape(res.body), res.body).toBe(true);
      expect(res.json().error.code, res.body).toBe(code);
      expect(res.json().error.details, res.body).toEqual([{ path, message: expect.any(String) }]);
    }
    expect(await c.db.item.count()).toBe(before);
  });

  it('records dependencies, refuses a cycle between items and deleting an item still referenced', async () => {
    const a = (await c.call('POST', '/v1/admin/items', { body: itemBody(dsId, { key: 'connected_item_10' }) })).json();
    const b = await c.call('POST', '/v1/admin/items', { body: itemBody(dsId, { key: 'connected_item_11', query: '#if($issue.connected_item_10.id)x#end' }) });
    expect(b.json().dependsOn).toEqual(['connected_item_10']);
    const cycle = await c.call('PUT', `/v1/admin/items/${a.id}`, { body: { ...itemBody(dsId, { key: 'connected_item_10', query: '$issue.connected_item_11' }), version: 1 } });
    expect(cycle.statusCode).toBe(422);
    expect(cycle.json().error.code).toBe('dependency_cycle');
    const inUse = await c.call('DELETE', `/v1/admin/items/${a.id}`);
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().error.code).toBe('item_in_use');
    expect((await c.call('PUT', `/v1/admin/items/${a.id}`, { body: { ...itemBody(dsId, { key: 'connected_item_12' }), version: 1 } })).json().error.code).toBe('immutable_key');
    await c.call('DELETE', `/v1/admin/items/${b.json().id}`);
    await c.call('DELETE', `/v1/admin/items/${a.id}`);
  });

  it('keeps items, mappings and audit of one tenant away from another', async () => {
    const item = (await c.call('POST', '/v1/admin/items', { body: itemBody(dsId, { key: 'connected_item_20' }) })).json();
    const other = { installationId: 'install-other' };
    expect((await c.call('GET', `/v1/admin/items/${item.id}`, other)).statusCode).toBe(404);
    expect((await c.call('PUT', `/v1/admin/items/${item.id}`, { ...other, body: { ...itemBody(dsId, { key: 'connected_item_20' }), version: 1 } })).statusCode).toBe(404);
    expect((await c.call('DELETE', `/v1/admin/items/${item.id}`, other)).statusCode).toBe(404);
    expect((await c.call('GET', '/v1/admin/items', other)).json().items).toEqual([]);
    // Another tenant cannot use this tenant's datasource, nor map this tenant's item.
    expect((await c.call('POST', '/v1/admin/items', { ...other, body: itemBody(dsId) })).statusCode).toBe(422);
    const otherMappings = (await c.call('GET', '/v1/admin/mappings', other)).json();
    const put = await c.call('PUT', '/v1/admin/mappings', { ...other, body: { version: otherMappings.version, mappings: [{ itemId: item.id, projectId: '10000' }] } });
    expect(put.statusCode).toBe(422);
    expect(put.json().error.code).toBe('unknown_item');
    expect((await c.call('GET', '/v1/admin/audit', other)).json().events.filter((e: { entityId: string }) => e.entityId === item.id)).toEqual([]);
    expect((await c.call('GET', '/v1/admin/items', { installationId: 'install-a', moduleKey: 'issue-panel' })).statusCode).toBe(403);
    await c.call('DELETE', `/v1/admin/items/${item.id}`);
  });

  it('replaces the mapping document with its version, 409 on a stale one', async () => {
    const item = (await c.call('POST', '/v1/admin/items', { body: itemBody(dsId, { key: 'connected_item_30' }) })).json();
    const doc = (await c.call('GET', '/v1/admin/mappings')).json();
    const mappings = [
      { itemId: item.id, projectId: '10000', issueTypeIds: ['10001', '10002'], requestTypeIds: [], hidden: false },
      { itemId: item.id, projectId: '10100', issueTypeIds: [], requestTypeIds: ['7'], hidden: true },
    ];
    const put = await c.call('PUT', '/v1/admin/mappings', { body: { version: doc.version, mappings } });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toEqual({ version: doc.version + 1, mappings });
    expect((await c.call('GET', '/v1/admin/mappings')).json()).toEqual({ version: doc.version + 1, mappings });

    const stale = await c.call('PUT', '/v1/admin/mappings', { body: { version: doc.version, mappings: [] } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('version_conflict');
    expect((await c.call('GET', '/v1/admin/mappings')).json().mappings).toEqual(mappings);

    for (const bad of [
      { version: doc.version + 1, mappings: [{ itemId: item.id, projectId: 'PROJ' }] },
      { version: doc.version + 1, mappings: [{ itemId: item.id, projectId: '1' }, { itemId: item.id, projectId: '1' }] },
      { version: doc.version + 1, mappings: [{ itemId: item.id, projectId: '1', extra: true }] },
      { mappings: [] },
      { version: Number.MAX_SAFE_INTEGER, mappings: [] },
    ]) {
      expect((await c.call('PUT', '/v1/admin/mappings', { body: bad })).statusCode, JSON.stringify(bad)).toBe(400);
    }
    // Deleting the item takes its mappings with it and moves the version on.
    await c.call('DELETE', `/v1/admin/items/${item.id}`);
    expect((await c.call('GET', '/v1/admin/mappings')).json()).toEqual({ version: doc.version + 2, mappings: [] });
  });

  it('audits item and mapping changes with who, what and before/after, paged newest first', async () => {
    const item = (await c.call('POST', '/v1/admin/items', { body: itemBody(dsId, { key: 'connected_item_40' }), principal: 'acc-audit' })).json();
    await c.call('PUT', `/v1/admin/items/${item.id}`, { body: { ...itemBody(dsId, { key: 'connected_item_40', name: 'Renamed' }), version: 1 }, principal: 'acc-audit' });
    await c.call('DELETE', `/v1/admin/items/${item.id}`, { principal: 'acc-audit' });
    const first = (await c.call('GET', '/v1/admin/audit?limit=2')).json();
    expect(first.events).toHaveLength(2);
    expect(first.events[0]).toMatchObject({ action: 'item.deleted', actor: 'acc-audit', entityType: 'item', entityId: item.id, after: null });
    expect(first.events[1]).toMatchObject({ action: 'item.updated', before: { name: 'Customer' }, after: { name: 'Renamed' } });
    const second = (await c.call('GET', `/v1/admin/audit?limit=1&cursor=${first.nextCursor}`)).json();
    expect(second.events[0]).toMatchObject({ action: 'item.created', entityId: item.id, before: null });
    const all: string[] = [];
    for (let cursor: string | null = null, pages = 0; pages < 50; pages += 1) {
      const page: { events: Array<{ id: string }>; nextCursor: string | null } = (await c.call('GET', `/v1/admin/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`)).json();
      all.push(...page.events.map((e: { id: string }) => e.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(await c.db.auditEvent.count({ where: { tenant: { installationId: 'install-a' } } }));
    expect((await c.call('GET', '/v1/admin/audit?cursor=garbage')).statusCode).toBe(400);
    expect((await c.call('GET', '/v1/admin/audit?limit=0')).statusCode).toBe(400);
    expect((await c.call('GET', '/v1/admin/audit?limit=1e309')).statusCode).toBe(400);
    expect((await c.call('GET', '/v1/admin/items?limit=1e309')).statusCode).toBe(400);
  });
});
