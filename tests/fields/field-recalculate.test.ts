import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { CountingUpstream } from './support/counting-upstream.js';

const EDIT = { moduleKey: 'connected-field-edit' };
const REGION = 'customfield_50001';
const COUNTRY = 'customfield_50002';
const CITY = 'customfield_50003';
const OTHER = 'customfield_50004';
const BY_NATIVE = 'customfield_50005';

describe.each(databaseKinds())('dependencies and recalculation on %s', (kind) => {
  let c: TestCompanion;
  let up: CountingUpstream;
  const ids: Record<string, string> = {};

  const recalc = (body: unknown, extra: Record<string, unknown> = {}) => c.call('POST', '/v1/fields/recalculate', { ...EDIT, ...extra, body });
  const keysOf = (res: { json(): { fields: Array<{ key: string }> } }) => res.json().fields.map((f) => f.key);

  beforeAll(async () => {
    up = await CountingUpstream.start();
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
    const ds = (await c.call('POST', '/v1/admin/datasources', { body: { name: 'Geo', type: 'rest', config: { baseUrl: up.url } } })).json();
    const define = async (key: string, query: string, storage: string, idTemplate: string) => {
      const res = await c.call('POST', '/v1/admin/fields', {
        body: { key, name: key, datasourceId: ds.id, editor: 'select', storage, query, resultPath: '$.items[*]', idTemplate, displayTemplate: '${row.name}' },
      });
      expect(res.statusCode, res.body).toBe(201);
      ids[key] = res.json().id;
    };
    // Created child first: the graph does not depend on creation order.
    await define(CITY, '/cities?country=$issue.customfield_50002.id', 'snapshot', '${row.name}');
    await define(COUNTRY, '/countries?region=$issue.customfield_50001.id', 'object', '${row.code}');
    await define(REGION, '/regions', 'object', '${row.code}');
    await define(OTHER, '/regions?other=1', 'object', '${row.code}');
    await define(BY_NATIVE, '/cities?country=$issue.customfield_10999', 'snapshot', '${row.name}');
  });
  afterAll(async () => {
    await c?.close();
    await up?.stop();
  });

  it('recalculates a three-level chain downstream of the change, in dependency order, and nothing else', async () => {
    const context = { issue: { key: 'PRJ-1', fields: { [REGION]: { id: 'EU', value: 'Europe' }, [COUNTRY]: { id: 'FR', value: 'France' }, [CITY]: 'Paris' } } };
    const res = await recalc({ context, changed: [REGION] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().fields).toEqual([
      { id: ids[COUNTRY], key: COUNTRY, valueValid: true, options: [{ id: 'FR', value: 'France' }, { id: 'DE', value: 'Germany' }] },
      { id: ids[CITY], key: CITY, valueValid: true, options: [{ id: 'Paris', value: 'Paris' }, { id: 'Lyon', value: 'Lyon' }] },
    ]);

    // The region moves to the Americas: France is no longer a country of it, so the city is
    // computed with an empty country and Paris is no longer valid either.
    const moved = await recalc({ context: { issue: { ...context.issue, fields: { ...context.issue.fields, [REGION]: { id: 'AM', value: 'Americas' } } } }, changed: [REGION] });
    expect(moved.json().fields).toEqual([
      { id: ids[COUNTRY], key: COUNTRY, valueValid: false, options: [{ id: 'US', value: 'United States' }, { id: 'CA', value: 'Canada' }] },
      { id: ids[CITY], key: CITY, valueValid: false, options: [] },
    ]);
    expect(up.hits.some((h) => h.path === '/cities?country=')).toBe(true);

    expect(keysOf(await recalc({ context, changed: [COUNTRY] }))).toEqual([CITY]);
    expect(keysOf(await recalc({ context, changed: [ids[REGION]] }))).toEqual([COUNTRY, CITY]);
    expect(keysOf(await recalc({ context, changed: [CITY] }))).toEqual([]);
    // A native Jira field is a dependency too: its value arrives with the request.
    const native = await recalc({ context: { issue: { fields: { customfield_10999: 'DE' } } }, changed: ['customfield_10999'] });
    expect(native.json().fields).toEqual([{ id: ids[BY_NATIVE], key: BY_NATIVE, valueValid: true, options: [{ id: 'Berlin', value: 'Berlin' }] }]);
    expect((await recalc({ context })).statusCode).toBe(400);
    expect((await recalc({ context, changed: [REGION], surprise: 1 })).statusCode).toBe(400);
    expect((await recalc({ context, changed: [REGION] }, { installationId: 'install-b' })).json().fields).toEqual([]);
  });

  it('reads a parent missing from the request from Jira, with the user token, only the field it needs', async () => {
    up.issues['PRJ-7'] = { [REGION]: { id: 'AM', value: 'Americas', extra: 'not needed' }, summary: 'Not needed either' };
    const before = up.count('/jira/');
    const res = await c.call('POST', `/v1/fields/${COUNTRY}/options`, {
      ...EDIT,
      apiBaseUrl: `${up.url}/jira`,
      headers: { 'x-forge-oauth-user': 'user-token-123', 'x-forge-oauth-system': 'system-token-456' },
      body: { context: { issue: { key: 'PRJ-7' } } },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().options).toEqual([{ id: 'US', value: 'United States' }, { id: 'CA', value: 'Canada' }]);
    const jira = up.hits.filter((h) => h.path.startsWith('/jira/'));
    expect(jira.length).toBe(before + 1);
    expect(jira.at(-1)).toEqual({ path: `/jira/rest/api/3/issue/PRJ-7?fields=${REGION}`, authorization: 'Bearer user-token-123' });
    expect(c.logs.join('\n')).not.toContain('user-token-123');

    // Values that come with the request are not read again.
    await c.call('POST', `/v1/fields/${COUNTRY}/options`, {
      ...EDIT,
      apiBaseUrl: `${up.url}/jira`,
      headers: { 'x-forge-oauth-system': 'system-token-456' },
      body: { context: { issue: { key: 'PRJ-7', fields: { [REGION]: { id: 'EU', value: 'Europe' } } } } },
    });
    expect(up.count('/jira/')).toBe(before + 1);
  });
});
