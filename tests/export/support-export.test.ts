import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { SAMPLE_CUSTOMERS, startSampleUpstream, type SampleUpstream } from '../helpers/sample-upstream.js';

const SECRETS = ['basic-pw-never-exported-71', 'header-token-never-exported-52', 'sql-pw-never-exported-93'];
const A = { installationId: 'install-export-a', principal: 'acc-admin' };
const B = { installationId: 'install-export-b', principal: 'acc-admin' };

/** Every string in a JSON value, keys included. */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      strings(v, out);
    }
  }
  return out;
}

type Doc = {
  datasources: Array<Record<string, unknown> & { id: string; name: string }>;
  fields: Array<Record<string, unknown> & { datasourceId: string }>;
  items: Array<Record<string, unknown> & { id: string; key: string; datasourceId: string }>;
  mappings: Array<Record<string, unknown> & { itemId: string }>;
};
/** The configuration with this tenant's ids replaced by names and keys: comparable across tenants. */
function comparable(doc: Doc) {
  const dsName = new Map(doc.datasources.map((d) => [d.id, d.name]));
  const itemKey = new Map(doc.items.map((i) => [i.id, i.key]));
  // Ids are the tenant's own; secrets (named in secretsToEnter) are what an import leaves behind.
  const strip = (x: Record<string, unknown>) => Object.fromEntries(Object.entries(x).filter(([k]) => k !== 'id' && k !== 'secretsToEnter'));
  return {
    datasources: doc.datasources.map(strip),
    fields: doc.fields.map((f) => ({ ...strip(f), datasourceId: dsName.get(f.datasourceId) })),
    items: doc.items.map((i) => ({ ...strip(i), datasourceId: dsName.get(i.datasourceId) })),
    mappings: doc.mappings.map((m) => ({ ...m, itemId: itemKey.get(m.itemId) })),
  };
}

describe.each(databaseKinds())('support export and import on %s', (kind) => {
  let c: TestCompanion;
  let up: SampleUpstream;
  let chosen: string[];
  beforeAll(async () => {
    up = await startSampleUpstream();
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
    const rest = (
      await c.call('POST', '/v1/admin/datasources', {
        ...A,
        body: {
          name: 'CRM',
          type: 'rest',
          config: { baseUrl: up.url, headers: { 'X-Api-Token': SECRETS[1], Accept: 'application/json' }, auth: { mode: 'basic', username: 'svc' } },
          secrets: { password: SECRETS[0] },
          cacheTtlSeconds: 120,
        },
      })
    ).json();
    await c.call('POST', '/v1/admin/datasources', {
      ...A,
      body: { name: 'ERP', type: 'postgresql', config: { host: 'erp.example.com', database: 'erp', user: 'reader' }, secrets: { password: SECRETS[2] } },
    });
    const gone = (await c.call('POST', '/v1/admin/datasources', { ...A, body: { name: 'Old', type: 'jira', config: {} } })).json();
    expect((await c.call('DELETE', `/v1/admin/datasources/${gone.id}`, A)).statusCode).toBe(204);
    const field = await c.call('POST', '/v1/admin/fields', {
      ...A,
      body: { key: 'customfield_10050', name: 'Account', datasourceId: rest.id, editor: 'select', storage: 'object', query: '/customers?country=$issue.connected_item_1.country', resultPath: '$.customers[*]', idTemplate: '${row.id}', displayTemplate: '${row.name}' },
    });
    expect(field.statusCode, field.body).toBe(201);
    const item = (
      await c.call('POST', '/v1/admin/items', {
        ...A,
        body: { key: 'connected_item_1', name: 'Customer', datasourceId: rest.id, editor: 'multiselect', query: '/customers?country=FR', resultPath: '$.customers[*]', idTemplate: '${row.id}', displayTemplate: '${row.name}', attributes: { email: '${row.email}', country: '${row.country}' } },
      })
    ).json();
    const mappings = { version: 1, mappings: [{ itemId: item.id, projectId: '10000', issueTypeIds: ['10001'], requestTypeIds: ['3'], hidden: false }] };
    expect((await c.call('PUT', '/v1/admin/mappings', { ...A, body: mappings })).statusCode).toBe(200);
    const french = SAMPLE_CUSTOMERS.filter((x) => x.country === 'FR').slice(0, 2);
    chosen = french.flatMap((x) => [x.name, x.email]);
    const values = await c.call('PUT', '/v1/issues/20001/items', { ...A, body: { items: [{ itemId: item.id, values: french.map((x) => ({ id: String(x.id) })) }] } });
    expect(values.statusCode, values.body).toBe(200);
  });
  afterAll(async () => {
    await c?.close();
    await up?.close();
  });

  it('exports every configuration, with a format version, and no secret and no value in any string', async () => {
    const res = await c.call('GET', '/v1/admin/export', A);
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc).toMatchObject({ formatVersion: 1, exportedAt: c.clock.now().toISOString() });
    expect(doc.datasources.map((d: { name: string }) => d.name)).toEqual(['CRM', 'ERP']);
    expect(doc.datasources[0]).toMatchObject({ secretsToEnter: ['password', 'headers.X-Api-Token'], config: { headers: { Accept: 'application/json' } }, cacheTtlSeconds: 120 });
    expect(doc.fields.map((f: { key: string }) => f.key)).toEqual(['customfield_10050']);
    expect(doc.items[0]).toMatchObject({ key: 'connected_item_1', attributes: { email: '${row.email}', country: '${row.country}' } });
    expect(doc.mappings).toHaveLength(1);
    expect(doc.pendingPurge).toEqual([expect.objectContaining({ entityType: 'datasource', name: 'Old' })]);
    const all = strings(doc);
    expect(all.length).toBeGreaterThan(50);
    for (const s of all) {
      for (const secret of SECRETS) expect(s).not.toContain(secret);
      for (const value of chosen) expect(s).not.toContain(value);
      expect(s).not.toMatch(/"ct"|"iv"|"tag"/);
    }
    expect(res.body).not.toContain('values');
  });

  it('imports into another tenant: the same configuration, secrets to enter again', async () => {
    const source = (await c.call('GET', '/v1/admin/export', A)).json();
    expect((await c.call('GET', '/v1/admin/export', B)).json()).toMatchObject({ datasources: [], fields: [], items: [], mappings: [] });
    const res = await c.call('POST', '/v1/admin/import', { ...B, body: source });
    expect(res.statusCode, res.body).toBe(200);
    const result = res.json();
    expect(result).toMatchObject({ datasources: { created: 2, replaced: 0 }, fields: { created: 1 }, items: { created: 1 }, mappings: { created: 1 } });
    expect(result.secretsToEnter.map((s: { name: string; secrets: string[] }) => [s.name, s.secrets])).toEqual([
      ['CRM', ['password', 'headers.X-Api-Token']],
      ['ERP', ['password']],
    ]);
    const copy = (await c.call('GET', '/v1/admin/export', B)).json();
    expect(comparable(copy)).toEqual(comparable(source));
    expect(copy.items[0].id).not.toBe(source.items[0].id);
    // Secrets did not travel, and no values did either.
    const ds = (await c.call('GET', '/v1/admin/datasources', B)).json().datasources;
    expect(ds.map((d: { secrets: object }) => d.secrets)).toEqual([{}, {}]);
    expect((await c.call('GET', '/v1/issues/20001/items', B)).json()).toEqual({ items: [] });

    // Again: every key exists now, so 409 and nothing changes; ?mode=replace overwrites.
    const again = await c.call('POST', '/v1/admin/import', { ...B, body: source });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('import_conflict');
    expect(comparable((await c.call('GET', '/v1/admin/export', B)).json())).toEqual(comparable(source));
    const replaced = await c.call('POST', '/v1/admin/import?mode=replace', { ...B, body: { ...source, items: [{ ...source.items[0], name: 'Client' }] } });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(replaced.json()).toMatchObject({ datasources: { created: 0, replaced: 2 }, items: { created: 0, replaced: 1 }, mappings: { created: 1, replaced: 1 } });
    const after = (await c.call('GET', '/v1/admin/export', B)).json();
    expect(after.items[0]).toMatchObject({ id: copy.items[0].id, name: 'Client' });
    expect(after.mappings).toEqual([{ ...source.mappings[0], itemId: copy.items[0].id }]);
  });

  it('a replacing import takes effect at once for options (no stale in-process datasource)', async () => {
    const who = { installationId: 'install-export-d' };
    const exported = (await c.call('GET', '/v1/admin/export', A)).json();
    // Without its password, basic auth cannot run: this copy goes without authentication.
    const source = { ...exported, datasources: exported.datasources.map((d: { name: string; config: object }) => (d.name === 'CRM' ? { ...d, config: { ...d.config, auth: { mode: 'none' } } } : d)) };
    expect((await c.call('POST', '/v1/admin/import', { ...who, body: source })).statusCode).toBe(200);
    const before = await c.call('POST', '/v1/items/connected_item_1/options', { ...who, body: {} });
    expect(before.statusCode, before.body).toBe(200);
    const moved = { ...source, datasources: source.datasources.map((d: { name: string; config: object }) => (d.name === 'CRM' ? { ...d, config: { ...d.config, baseUrl: `${up.url}/status/404` } } : d)) };
    expect((await c.call('POST', '/v1/admin/import?mode=replace', { ...who, body: moved })).statusCode).toBe(200);
    const after = await c.call('POST', '/v1/items/connected_item_1/options', { ...who, body: {} });
    expect(after.statusCode, after.body).toBe(502);
  });

  it('a replacing import follows the PUT rules: no type change (409, nothing stored); a replaced field answers with its new configuration at once', async () => {
    const who = { installationId: 'install-export-e', moduleKey: 'connected-field-edit' };
    const admin = { installationId: who.installationId };
    const ds = (await c.call('POST', '/v1/admin/datasources', { ...admin, body: { name: 'Directory', type: 'rest', config: { baseUrl: up.url } } })).json();
    const created = await c.call('POST', '/v1/admin/fields', {
      ...admin,
      body: { key: 'customfield_10060', name: 'Client', datasourceId: ds.id, editor: 'select', storage: 'object', query: '/customers', resultPath: '$.customers[*]', idTemplate: '${row.id}', displayTemplate: '${row.name}' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const first = await c.call('POST', '/v1/fields/customfield_10060/options', { ...who, body: {} });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().options[0].value).toBe(SAMPLE_CUSTOMERS[0]!.name);
    const doc = (await c.call('GET', '/v1/admin/export', admin)).json();

    const tenantId = (await c.db.tenant.findUniqueOrThrow({ where: { installationId: who.installationId } })).id;
    const tables = () => Promise.all([c.db.datasource.findMany({ where: { tenantId }, orderBy: { id: 'asc' } }), c.db.field.findMany({ where: { tenantId }, orderBy: { id: 'asc' } })]);
    const before = await tables();
    const retyped = { ...doc, datasources: [{ ...doc.datasources[0], type: 'static', config: { format: 'json', data: '[]' } }] };
    const refused = await c.call('POST', '/v1/admin/import?mode=replace', { ...admin, body: retyped });
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json().error.code).toBe('immutable_type');
    expect(await tables()).toEqual(before);

    // The clock stands still: only dropping the in-process copy can show the new display template.
    const renamed = { ...doc, fields: [{ ...doc.fields[0], displayTemplate: 'Client ${row.name}' }] };
    expect((await c.call('POST', '/v1/admin/import?mode=replace', { ...admin, body: renamed })).statusCode).toBe(200);
    const after = await c.call('POST', '/v1/fields/customfield_10060/options', { ...who, body: {} });
    expect(after.statusCode, after.body).toBe(200);
    expect(after.json().options[0].value).toBe(`Client ${SAMPLE_CUSTOMERS[0]!.name}`);
  });

  it('refuses a document it cannot apply, writing nothing', async () => {
    const source = (await c.call('GET', '/v1/admin/export', A)).json();
    const target = { installationId: 'install-export-c' };
    const cases: Array<[unknown, number]> = [
      [{ ...source, formatVersion: 2 }, 400],
      [{ ...source, datasources: [{ ...source.datasources[0], secrets: { password: 'x' } }] }, 400],
      [{ ...source, datasources: [{ ...source.datasources[0], config: { baseUrl: 'ftp://x' } }, source.datasources[1]] }, 400],
      [{ ...source, datasources: [{ ...source.datasources[0], config: { ...source.datasources[0].config, headers: { Host: 'evil.example' } } }, source.datasources[1]] }, 400],
      [{ ...source, datasources: [source.datasources[0], { ...source.datasources[1], id: source.datasources[0].id }] }, 400],
      [{ ...source, datasources: [source.datasources[1]] }, 422],
      [{ ...source, mappings: [{ ...source.mappings[0], itemId: '00000000-0000-0000-0000-000000000000' }] }, 422],
      [{ ...source, items: [{ ...source.items[0], query: '$issue.customfield_10050', key: 'connected_item_1' }] }, 422],
      [{ ...source, items: [{ ...source.items[0], displayTemplate: '#if(' }] }, 400],
    ];
    for (const [body, status] of cases) {
      const res = await c.call('POST', '/v1/admin/import', { ...target, body });
      expect(res.statusCode, res.body).toBe(status);
    }
    expect((await c.call('GET', '/v1/admin/export', target)).json()).toMatchObject({ datasources: [], fields: [], items: [], mappings: [] });
    expect((await c.call('GET', '/v1/admin/export', { installationId: 'install-export-c', moduleKey: 'issue-panel' })).statusCode).toBe(403);
  });

  it('writes audit lines and logs that carry no secret', async () => {
    const events: unknown[] = [];
    for (const who of [A, B]) {
      let cursor: string | null = null;
      do {
        const page: { events: unknown[]; nextCursor: string | null } = (await c.call('GET', `/v1/admin/audit?limit=50${cursor ? `&cursor=${cursor}` : ''}`, who)).json();
        events.push(...page.events);
        cursor = page.nextCursor;
      } while (cursor);
    }
    const actions = events.map((e) => (e as { action: string }).action);
    expect(actions).toEqual(expect.arrayContaining(['datasource.created', 'item.created', 'mappings.replaced', 'datasource.imported', 'item.imported.replaced', 'mappings.imported']));
    expect(events.every((e) => (e as { actor: string }).actor === 'acc-admin')).toBe(true);
    for (const s of strings(events)) for (const secret of SECRETS) expect(s).not.toContain(secret);
    const stored = JSON.stringify(await c.db.auditEvent.findMany());
    for (const secret of SECRETS) expect(stored).not.toContain(secret);
    for (const secret of SECRETS) expect(c.logs.join('\n')).not.toContain(secret);
  });
});
