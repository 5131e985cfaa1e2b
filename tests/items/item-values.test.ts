import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { AS_FIELD_RESOLVER, AS_ISSUE_EVENTS_ENDPOINT, asIssuePanelUser } from '../helpers/forge-tokens.js';
import { issueDeletedEvent } from '../helpers/forge-events.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { SAMPLE_CUSTOMERS, startSampleUpstream, type SampleUpstream } from '../helpers/sample-upstream.js';
import { loadItemTemplateValues } from '../../companion/connected/stored-item-values.js';

const german = SAMPLE_CUSTOMERS.filter((x) => x.country === 'DE');
const french = SAMPLE_CUSTOMERS.filter((x) => x.country === 'FR');
const customerItem = (datasourceId: string, over: Record<string, unknown> = {}) => ({
  key: 'connected_item_1',
  name: 'Customer',
  datasourceId,
  editor: 'multiselect',
  query: '/customers?country=DE',
  resultPath: '$.customers[*]',
  idTemplate: '${row.id}',
  displayTemplate: '${row.name}',
  attributes: { country: '${row.country}', email: '${row.email}' },
  ...over,
});

describe.each(databaseKinds())('connected item values on %s', (kind) => {
  let c: TestCompanion;
  let up: SampleUpstream;
  let multi: { id: string; key: string };
  let single: { id: string; key: string };
  beforeAll(async () => {
    up = await startSampleUpstream();
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
    const ds = (await c.call('POST', '/v1/admin/datasources', { body: { name: 'CRM', type: 'rest', config: { baseUrl: up.url } } })).json();
    multi = (await c.call('POST', '/v1/admin/items', { body: customerItem(ds.id) })).json();
    single = (await c.call('POST', '/v1/admin/items', { body: customerItem(ds.id, { key: 'connected_item_2', editor: 'select' }) })).json();
  });
  afterAll(async () => {
    await c?.close();
    await up?.close();
  });

  it('lists an item\'s options for an issue, by id or key, from the upstream', async () => {
    for (const ref of [multi.id, multi.key]) {
      const res = await c.call('POST', `/v1/items/${ref}/options`, { body: { context: { issue: { id: '10001' } } }, ...AS_FIELD_RESOLVER });
      expect(res.statusCode).toBe(200);
      expect(res.json().options).toEqual(german.map((x) => ({ id: String(x.id), value: x.name })));
    }
    const page = (await c.call('POST', `/v1/items/${multi.id}/options`, { body: { limit: 2 } })).json();
    expect(page.options).toHaveLength(2);
    expect(page.nextCursor).toBe('2');
    expect((await c.call('POST', '/v1/items/connected_item_99/options', { body: {} })).statusCode).toBe(404);
    expect((await c.call('POST', `/v1/items/${encodeURIComponent('\u0000')}/options`, { body: {} })).statusCode).toBe(404);
  });

  it('stores chosen values with their attributes, and reads them back', async () => {
    const [a, b] = german;
    const put = await c.call('PUT', '/v1/issues/10001/items', {
      ...AS_FIELD_RESOLVER,
      body: { items: [{ itemId: multi.id, values: [{ id: String(a!.id), value: 'whatever the UI said' }, { id: String(b!.id) }] }, { itemId: single.key, values: [{ id: String(b!.id) }] }] },
    });
    expect(put.statusCode).toBe(200);
    const expected = {
      items: [
        { itemId: multi.id, key: 'connected_item_1', values: [a, b].map((x) => ({ id: String(x!.id), value: x!.name, attributes: { country: 'DE', email: x!.email } })) },
        { itemId: single.id, key: 'connected_item_2', values: [{ id: String(b!.id), value: b!.name, attributes: { country: 'DE', email: b!.email } }] },
      ],
    };
    expect(put.json()).toEqual(expected);
    expect((await c.call('GET', '/v1/issues/10001/items', AS_FIELD_RESOLVER)).json()).toEqual(expected);
    // What was read can be sent back as it is (value and attributes are recomputed, not trusted).
    const echoed = expected.items.map((i) => ({ itemId: i.itemId, values: i.values.map((v) => ({ ...v, value: 'forged', attributes: { country: 'XX' } })) }));
    expect((await c.call('PUT', '/v1/issues/10001/items', { body: { items: echoed } })).json()).toEqual(expected);
    expect((await c.call('GET', '/v1/issues/10002/items')).json()).toEqual({ items: [] });

    // What other fields' queries see as $issue.connected_item_N.
    const tenant = await c.db.tenant.findUniqueOrThrow({ where: { installationId: 'install-a' } });
    const vars = await loadItemTemplateValues(c.db, tenant.id, '10001', ['connected_item_1', 'connected_item_2', 'connected_item_3', 'customfield_1']);
    expect(vars).toEqual({
      connected_item_1: { id: String(a!.id), value: a!.name, ids: [String(a!.id), String(b!.id)], values: [a!.name, b!.name], country: ['DE', 'DE'], email: [a!.email, b!.email] },
      connected_item_2: { id: String(b!.id), value: b!.name, ids: [String(b!.id)], values: [b!.name], country: 'DE', email: b!.email },
    });
    expect(await loadItemTemplateValues(c.db, tenant.id, '10001', [])).toEqual({});
  });

  it('lets another item\'s query use the stored value as $issue.connected_item_N and its attributes', async () => {
    const ds = (await c.call('GET', `/v1/admin/items/${single.id}`)).json().datasourceId;
    const dependent = await c.call('POST', '/v1/admin/items', {
      body: customerItem(ds, { key: 'connected_item_3', editor: 'select', query: '/customers?country=${issue.connected_item_2.country}', attributes: {} }),
    });
    expect(dependent.json().dependsOn).toEqual(['connected_item_2']);
    // connected_item_2 holds a German customer on issue 10001: the dependent item lists Germans.
    const options = (await c.call('POST', '/v1/items/connected_item_3/options', { body: { context: { issue: { id: '10001' } } } })).json().options;
    expect(options).toEqual(german.map((x) => ({ id: String(x.id), value: x.name })));
    // The value the UI sends (not yet saved) wins over the stored one.
    const sent = { context: { issue: { id: '10001', fields: { connected_item_2: { id: '1', value: 'x', country: 'FR' } } } } };
    expect((await c.call('POST', '/v1/items/connected_item_3/options', { body: sent })).json().options).toEqual(french.map((x) => ({ id: String(x.id), value: x.name })));
    await c.call('DELETE', `/v1/admin/items/${dependent.json().id}`);
  });

  it('lets a connected field\'s query use the stored item value as $issue.connected_item_N.attr', async () => {
    const ds = (await c.call('GET', `/v1/admin/items/${single.id}`)).json().datasourceId;
    const field = await c.call('POST', '/v1/admin/fields', {
      body: {
        key: 'customfield_30001', name: 'Contact', datasourceId: ds, editor: 'select', storage: 'object',
        query: '/customers?country=${issue.connected_item_2.country}', resultPath: '$.customers[*]',
        idTemplate: '${row.id}', displayTemplate: '${row.name}',
      },
    });
    expect(field.statusCode).toBe(201);
    expect(field.json().dependsOn).toEqual(['connected_item_2']);
    const options = await c.call('POST', '/v1/fields/customfield_30001/options', { moduleKey: 'connected-field', body: { context: { issue: { id: '10001' } } } });
    expect(options.statusCode).toBe(200);
    expect(options.json().options).toEqual(german.map((x) => ({ id: String(x.id), value: x.name })));
    // On an issue without a stored value the reference is empty: no German filter applies.
    const elsewhere = (await c.call('POST', '/v1/fields/customfield_30001/options', { moduleKey: 'connected-field', body: { context: { issue: { id: '20002' } } } })).json();
    expect(elsewhere.options).not.toEqual(options.json().options);
    // The configuration tester computes what the runtime computes: the stored item value is loaded
    // for the issue, and the reference shows the value it bound.
    const tested = await c.call('POST', '/v1/admin/fields/customfield_30001/preview', { body: { context: { issue: { id: '10001' } } } });
    expect(tested.statusCode, tested.body).toBe(200);
    expect(tested.json().options).toEqual(options.json().options);
    expect(tested.json().evaluatedQuery.text).toBe('GET /customers?country=DE');
    expect(tested.json().bindings).toEqual([{ line: 1, reference: '$issue.connected_item_2.country', value: 'DE', resolved: true }]);
    expect(tested.json().warnings).toEqual([]);
    const testedElsewhere = (await c.call('POST', '/v1/admin/fields/customfield_30001/preview', { body: { context: { issue: { id: '20002' } } } })).json();
    expect(testedElsewhere.bindings).toEqual([{ line: 1, reference: '$issue.connected_item_2.country', value: null, resolved: false }]);
    await c.call('DELETE', `/v1/admin/fields/${field.json().id}`);
  });

  it('refuses a value that is not among the options (422) and changes nothing', async () => {
    const before = (await c.call('GET', '/v1/issues/10001/items')).json();
    const cases: Array<[unknown, string]> = [
      [{ items: [{ itemId: multi.id, values: [{ id: String(french[0]!.id) }] }] }, 'value_not_an_option'],
      [{ items: [{ itemId: multi.id, values: [{ id: String(german[0]!.id) }, { id: 'nope' }] }] }, 'value_not_an_option'],
      [{ items: [{ itemId: single.id, values: [{ id: String(german[0]!.id) }, { id: String(german[1]!.id) }] }] }, 'too_many_values'],
      // The first entry is fine, the second is not: nothing of the request is written.
      [{ items: [{ itemId: single.id, values: [{ id: String(german[2]!.id) }] }, { itemId: multi.id, values: [{ id: '0' }] }] }, 'value_not_an_option'],
    ];
    for (const [body, code] of cases) {
      const res = await c.call('PUT', '/v1/issues/10001/items', { body });
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expect(res.json().error.code).toBe(code);
    }
    expect((await c.call('PUT', '/v1/issues/ABC-1/items', { body: { items: [] } })).statusCode).toBe(400);
    expect((await c.call('PUT', '/v1/issues/10001/items', { body: { items: [{ itemId: multi.id, values: [{ id: '1', extra: 1 }] }] } })).statusCode).toBe(400);
    expect((await c.call('GET', '/v1/issues/10001/items')).json()).toEqual(before);
  });

  it('keeps one tenant\'s items and values away from another', async () => {
    const other = { installationId: 'install-b', ...AS_FIELD_RESOLVER };
    expect((await c.call('GET', '/v1/issues/10001/items', other)).json()).toEqual({ items: [] });
    expect((await c.call('POST', `/v1/items/${multi.id}/options`, { ...other, body: {} })).statusCode).toBe(404);
    expect((await c.call('POST', `/v1/items/${multi.key}/options`, { ...other, body: {} })).statusCode).toBe(404);
    const put = await c.call('PUT', '/v1/issues/10001/items', { ...other, body: { items: [{ itemId: multi.id, values: [{ id: String(german[0]!.id) }] }] } });
    expect(put.statusCode).toBe(404);
    expect((await c.call('DELETE', '/v1/issues/10001/items', { ...other, ...AS_ISSUE_EVENTS_ENDPOINT })).json()).toEqual({ deleted: 0 });
    expect((await c.call('GET', '/v1/issues/10001/items')).json().items).toHaveLength(2);
    const otherTenant = await c.db.tenant.findUniqueOrThrow({ where: { installationId: 'install-b' } });
    expect(await loadItemTemplateValues(c.db, otherTenant.id, '10001', ['connected_item_1'])).toEqual({});
  });

  it('clears an item with an empty list, and marks an issue\'s values for purge when the issue is deleted', async () => {
    const cleared = await c.call('PUT', '/v1/issues/10001/items', { body: { items: [{ itemId: single.id, values: [] }] } });
    expect(cleared.json().items.map((i: { key: string }) => i.key)).toEqual(['connected_item_1']);
    const byUser = await c.call('DELETE', '/v1/issues/10001/items', asIssuePanelUser('acc-user'));
    expect(byUser.statusCode).toBe(403);
    // A resolver may not drop an issue's values either: only the issue-deleted trigger or the admin page.
    const byResolver = await c.call('DELETE', '/v1/issues/10001/items', AS_FIELD_RESOLVER);
    expect(byResolver.statusCode).toBe(403);
    expect((await c.call('GET', '/v1/issues/10001/items')).json().items).toHaveLength(1);
    const del = await c.call('DELETE', '/v1/issues/10001/items', AS_ISSUE_EVENTS_ENDPOINT);
    expect(del.json()).toEqual({ deleted: 1 });
    expect((await c.call('GET', '/v1/issues/10001/items')).json()).toEqual({ items: [] });
    const rows = await c.db.itemValue.findMany({ where: { issueId: '10001' } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.purgeAt?.getTime()).toBe(c.clock.now().getTime() + 30 * 24 * 3600 * 1000);
  });

  it('marks an issue\'s values for purge when the issue-deleted trigger delivers the Jira event', async () => {
    const saved = await c.call('PUT', '/v1/issues/10077/items', { body: { items: [{ itemId: single.id, values: [{ id: String(german[0]!.id) }] }] } });
    expect(saved.statusCode).toBe(200);
    const event = issueDeletedEvent('10077');
    const byUser = await c.call('POST', '/v1/events/jira', { ...asIssuePanelUser('acc-user'), body: event });
    expect(byUser.statusCode).toBe(403);
    const other = await c.call('POST', '/v1/events/jira', { ...AS_ISSUE_EVENTS_ENDPOINT, body: { ...event, eventType: 'avi:jira:updated:issue' } });
    expect(other.json()).toEqual({ handled: false, deleted: 0 });
    const res = await c.call('POST', '/v1/events/jira', { ...AS_ISSUE_EVENTS_ENDPOINT, body: event });
    expect(res.json()).toEqual({ handled: true, deleted: 1 });
    expect((await c.call('GET', '/v1/issues/10077/items')).json()).toEqual({ items: [] });
    expect((await c.db.itemValue.findFirstOrThrow({ where: { issueId: '10077' } })).purgeAt).not.toBeNull();
  });
});
