import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { hasErrorShape } from '../proof/support/proof-client.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';

const datasourceBody = { name: 'CRM', type: 'rest', config: { baseUrl: 'https://crm.example.com/api' } };

describe.each(databaseKinds())('field configuration on %s', (kind) => {
  let c: TestCompanion;
  let dsId: string;
  const field = (key: string, extra: Record<string, unknown> = {}) => ({
    key,
    name: `Field ${key}`,
    datasourceId: dsId,
    editor: 'select',
    storage: 'object',
    query: '/customers',
    resultPath: '$.items[*]',
    idTemplate: '${row.id}',
    displayTemplate: '${row.name}',
    ...extra,
  });
  const create = async (body: unknown) => c.call('POST', '/v1/admin/fields', { body });

  beforeAll(async () => {
    c = await startTestCompanion(kind);
    dsId = (await c.call('POST', '/v1/admin/datasources', { body: datasourceBody })).json().id;
  });
  afterAll(async () => c?.close());

  it('creates, reads, lists, updates with a version and soft-deletes, auditing each change', async () => {
    const created = await create(field('customfield_10050', { cacheTtlSeconds: 60, maxOptions: 50 }));
    expect(created.statusCode).toBe(201);
    // The create answer also carries the template check's warnings; a read has the stored view.
    const { warnings, ...f } = created.json();
    expect(Array.isArray(warnings)).toBe(true);
    expect(f).toMatchObject({ key: 'customfield_10050', storage: 'object', cacheTtlSeconds: 60, maxOptions: 50, dependsOn: [], version: 1 });

    expect((await c.call('GET', `/v1/admin/fields/${f.id}`)).json()).toEqual(f);
    const list = (await c.call('GET', '/v1/admin/fields')).json();
    expect(list.fields.map((x: { id: string }) => x.id)).toContain(f.id);
    expect(list).toHaveProperty('nextCursor');

    const updated = await c.call('PUT', `/v1/admin/fields/${f.id}`, { body: { ...field('customfield_10050'), name: 'Customer', version: 1 } });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ name: 'Customer', version: 2, cacheTtlSeconds: null, maxOptions: 1000 });

    const stale = await c.call('PUT', `/v1/admin/fields/${f.id}`, { body: { ...field('customfield_10050'), version: 1 } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('version_conflict');

    expect((await c.call('DELETE', `/v1/admin/fields/${f.id}`)).statusCode).toBe(204);
    expect((await c.call('GET', `/v1/admin/fields/${f.id}`)).statusCode).toBe(404);
    const row = await c.db.field.findUnique({ where: { id: f.id } });
    expect(row?.purgeAt?.getTime()).toBe(c.clock.now().getTime() + 30 * 24 * 3600 * 1000);
    const actions = (await c.db.auditEvent.findMany({ where: { entityId: f.id }, orderBy: { at: 'asc' } })).map((a) => a.action);
    expect(actions).toEqual(['field.created', 'field.updated', 'field.deleted']);
    // The key is free again once the field is deleted.
    expect((await create(field('customfield_10050'))).statusCode).toBe(201);
  });

  it('refuses a storage change with 409 and keeps the field as it was', async () => {
    const f = (await create(field('customfield_10060', { storage: 'snapshot' }))).json();
    const res = await c.call('PUT', `/v1/admin/fields/${f.id}`, { body: { ...field('customfield_10060', { storage: 'object' }), version: 1 } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('immutable_storage');
    expect((await c.call('GET', `/v1/admin/fields/${f.id}`)).json()).toMatchObject({ storage: 'snapshot', version: 1 });
  });

  it('validates on save: templates parse, the datasource exists in the tenant, keys are unique, bodies are strict', async () => {
    const before = await c.db.field.count();
    const broken = await create(field('customfield_10070', { displayTemplate: '#if($row.name' }));
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('invalid_template');
    const brokenQuery = await create(field('customfield_10070', { query: '/x?#if($issue.key' }));
    expect(brokenQuery.statusCode).toBe(400);

    const missing = await create(field('customfield_10070', { datasourceId: '00000000-0000-4000-8000-000000000000' }));
    expect(missing.statusCode).toBe(422);
    expect(missing.json().error.code).toBe('datasource_not_found');
    const othersDs = (await c.call('POST', '/v1/admin/datasources', { body: datasourceBody, installationId: 'install-b' })).json().id;
    expect((await create(field('customfield_10070', { datasourceId: othersDs }))).statusCode).toBe(422);

    for (const body of [
      { ...field('customfield_10070'), surprise: 1 },
      field('not-a-key'),
      field('customfield_10070', { editor: 'radio' }),
      field('customfield_10070', { storage: 'both' }),
      field('customfield_10070', { cacheTtlSeconds: -1 }),
    ]) {
      const res = await create(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(hasErrorShape(res.body), res.body).toBe(true);
    }
    expect(await c.db.field.count()).toBe(before);

    expect((await create(field('customfield_10080'))).statusCode).toBe(201);
    const dup = await create(field('customfield_10080'));
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('duplicate_key');
  });

  it('refuses to delete a field other fields or items reference (409 naming them), storing nothing', async () => {
    const parent = (await create(field('customfield_30001', { query: '/regions' }))).json();
    const child = (await create(field('customfield_30002', { query: '/countries?region=$issue.customfield_30001.id' }))).json();
    const item = await c.call('POST', '/v1/admin/items', {
      body: { key: 'connected_item_30001', name: 'Office', datasourceId: dsId, editor: 'select', query: '/offices?region=$issue.customfield_30001.id', attributes: {} },
    });
    expect(item.statusCode, item.body).toBe(201);
    const before = await c.db.field.findUniqueOrThrow({ where: { id: parent.id } });
    const refused = await c.call('DELETE', `/v1/admin/fields/${parent.id}`);
    expect(refused.statusCode).toBe(409);
    expect(hasErrorShape(refused.body)).toBe(true);
    expect(refused.json().error).toMatchObject({ code: 'field_in_use', message: expect.stringMatching(/customfield_30002.*connected_item_30001/) });
    expect(await c.db.field.findUniqueOrThrow({ where: { id: parent.id } })).toEqual(before);
    // Once nothing references it, it goes.
    expect((await c.call('DELETE', `/v1/admin/fields/${child.id}`)).statusCode).toBe(204);
    expect((await c.call('DELETE', `/v1/admin/items/${item.json().id}`)).statusCode).toBe(204);
    expect((await c.call('DELETE', `/v1/admin/fields/${parent.id}`)).statusCode).toBe(204);
  });

  it('records dependency edges and refuses a cycle with 422 naming it', async () => {
    const a = (await create(field('customfield_20001', { query: '/regions' }))).json();
    const b = (await create(field('customfield_20002', { query: '/countries?region=$issue.customfield_20001.id' }))).json();
    const cRes = await create(field('customfield_20003', { query: '/cities?country=${issue.customfield_20002.value}&p=$issue.priority' }));
    expect(b.dependsOn).toEqual(['customfield_20001']);
    expect(cRes.json().dependsOn).toEqual(['customfield_20002']);

    const cycle = await c.call('PUT', `/v1/admin/fields/${a.id}`, {
      body: { ...field('customfield_20001', { query: '/regions?city=$issue.customfield_20003.id' }), version: 1 },
    });
    expect(cycle.statusCode).toBe(422);
    expect(cycle.json().error.code).toBe('dependency_cycle');
    expect(cycle.json().error.message).toContain('customfield_20001 → customfield_20003 → customfield_20002 → customfield_20001');
    expect((await c.call('GET', `/v1/admin/fields/${a.id}`)).json()).toMatchObject({ version: 1, dependsOn: [] });

    const self = await create(field('customfield_20004', { query: '/x?me=$issue.customfield_20004' }));
    expect(self.statusCode).toBe(422);

    // A reference to a field connected later still counts: connecting it cannot close a cycle.
    expect((await create(field('customfield_20005', { query: '/y?z=$issue.customfield_20006' }))).json().dependsOn).toEqual(['customfield_20006']);
    const late = await create(field('customfield_20006', { query: '/z?y=$issue.customfield_20005.value' }));
    expect(late.statusCode).toBe(422);
  });

  it('answers 404 for unknown and malformed ids, and for another tenant', async () => {
    const f = (await create(field('customfield_30001'))).json();
    const other = { installationId: 'install-b' };
    expect((await c.call('GET', '/v1/admin/fields/00000000-0000-0000-0000-000000000000')).statusCode).toBe(404);
    expect((await c.call('GET', '/v1/admin/fields/nope')).statusCode).toBe(404);
    expect((await c.call('GET', `/v1/admin/fields/${f.id}`, other)).statusCode).toBe(404);
    expect((await c.call('PUT', `/v1/admin/fields/${f.id}`, { ...other, body: { ...field('customfield_30001'), version: 1 } })).statusCode).toBe(404);
    expect((await c.call('DELETE', `/v1/admin/fields/${f.id}`, other)).statusCode).toBe(404);
    expect((await c.call('GET', '/v1/admin/fields', other)).json().fields).toEqual([]);
    expect((await c.call('GET', '/v1/admin/fields', { moduleKey: 'issue-panel' })).statusCode).toBe(403);
  });

  it('pages the list with limit and cursor', async () => {
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const url: string = `/v1/admin/fields?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await c.call('GET', url)).json();
      expect(page.fields.length).toBeLessThanOrEqual(2);
      for (const f of page.fields) seen.add(f.id);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.size).toBe(await c.db.field.count({ where: { deletedAt: null, tenant: { installationId: 'install-a' } } }));
  });
});
