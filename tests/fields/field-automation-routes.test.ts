// The routes behind the Automation steps, the value function and the JQL function, on a real
// companion and a real upstream: who may call them, the refusal that writes nothing, a refresh that
// never empties a value it could not see, and a value batch that keeps what it cannot compute.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { CountingUpstream } from './support/counting-upstream.js';

const AS_AUTOMATION = { moduleKey: 'automation-set', moduleType: 'core:endpoint' };
const AS_VALUE_FUNCTION = { moduleKey: 'field-value', moduleType: 'core:endpoint' };
const AS_FIELD_UI = { moduleKey: 'open-connect-object-field', moduleType: 'jira:customFieldType', principal: 'user-1' };
const REGION = 'customfield_60001';
const COUNTRY = 'customfield_60002';
const FIRST_CITY = 'customfield_60003';

describe.each(databaseKinds())('field automation routes on %s', (kind) => {
  let c: TestCompanion;
  let up: CountingUpstream;
  beforeAll(async () => {
    up = await CountingUpstream.start();
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
    const ds = (await c.call('POST', '/v1/admin/datasources', { body: { name: 'Geo', type: 'rest', config: { baseUrl: up.url } } })).json();
    const define = async (key: string, editor: string, storage: string, query: string, idTemplate: string) => {
      const res = await c.call('POST', '/v1/admin/fields', { body: { key, name: key, datasourceId: ds.id, editor, storage, query, resultPath: '$.items[*]', idTemplate, displayTemplate: '${row.name}' } });
      expect(res.statusCode, res.body).toBe(201);
    };
    await define(REGION, 'select', 'object', '/regions', '${row.code}');
    await define(COUNTRY, 'select', 'object', `/countries?region=$issue.${REGION}.id`, '${row.code}');
    await define(FIRST_CITY, 'readonly', 'snapshot', `/cities?country=$issue.${COUNTRY}.id`, '${row.name}');
  });
  afterAll(async () => {
    await c?.close();
    await up?.stop();
  });

  it('resolves a display text to the option and recomputes the dependents with it', async () => {
    const context = { issue: { key: 'PRJ-1', fields: { [REGION]: { id: 'AM', value: 'Americas' }, [COUNTRY]: { id: 'US', value: 'United States' } } } };
    const res = await c.call('POST', `/v1/fields/${REGION}/resolve`, { ...AS_AUTOMATION, body: { context, texts: ['europe'] } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().field).toMatchObject({ key: REGION, value: { id: 'EU', value: 'Europe' }, changed: true });
    // United States is no country of Europe: emptied, and the first city follows from the empty country.
    expect(res.json().dependents.map((d: { key: string; value: unknown; changed: boolean }) => [d.key, d.value, d.changed])).toEqual([
      [COUNTRY, null, true],
      [FIRST_CITY, null, true],
    ]);
  });

  it('refuses a value that is not an option with 422 and where it is, and takes no UI module token', async () => {
    const bad = await c.call('POST', `/v1/fields/${REGION}/resolve`, { ...AS_AUTOMATION, body: { ids: ['EU', 'XX'] } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error).toMatchObject({ code: 'value_not_an_option', details: [{ path: '/ids', message: 'The field takes one value' }, { path: '/ids/1', message: expect.stringContaining('"XX"') }] });
    expect((await c.call('POST', `/v1/fields/${REGION}/resolve`, { ...AS_AUTOMATION, body: { ids: ['EU'], texts: ['Europe'] } })).statusCode).toBe(400);
    for (const path of [`/v1/fields/${REGION}/resolve`, '/v1/fields/refresh', `/v1/fields/${REGION}/values`, `/v1/fields/${REGION}/jql`]) {
      const res = await c.call('POST', path, { ...AS_FIELD_UI, body: {} });
      expect(res.statusCode, path).toBe(403);
    }
  });

  it('refreshes stale display texts and leaves out a field whose current value it could not see', async () => {
    const context = { issue: { key: 'PRJ-2', fields: { [REGION]: { id: 'EU', value: 'Old Europe' } } } };
    const res = await c.call('POST', '/v1/fields/refresh', { ...AS_AUTOMATION, body: { context, fields: [REGION] } });
    expect(res.statusCode, res.body).toBe(200);
    // COUNTRY's value was neither sent nor readable (no Jira token): not touched. The read-only field is computed.
    expect(res.json().fields.map((f: { key: string; value: unknown; changed: boolean }) => [f.key, f.value, f.changed])).toEqual([
      [REGION, { id: 'EU', value: 'Europe' }, true],
      [FIRST_CITY, null, true],
    ]);
  });

  it('computes read-only values per issue and keeps, for an issue it cannot compute, what Jira stores', async () => {
    const values = (field: string, issues: Array<{ id: string; fields?: Record<string, unknown> }>) => c.call('POST', `/v1/fields/${field}/values`, { ...AS_VALUE_FUNCTION, body: { issues } });
    const ok = await values(FIRST_CITY, [{ id: '1', fields: { [COUNTRY]: { id: 'FR', value: 'France' } } }, { id: '2', fields: { [COUNTRY]: { id: 'CA', value: 'Canada' } } }]);
    expect(ok.json().values).toEqual([{ issueId: '1', computed: true, value: 'Paris' }, { issueId: '2', computed: true, value: 'Toronto' }]);
    // A field a person picks is never computed.
    expect((await values(COUNTRY, [{ id: '1' }])).json().values).toEqual([{ issueId: '1', computed: false, value: null }]);
    up.failing = true;
    try {
      const down = await values(FIRST_CITY, [{ id: '3', fields: { [COUNTRY]: { id: 'DE', value: 'Germany' } } }]);
      expect(down.statusCode).toBe(200);
      expect(down.json().values).toEqual([{ issueId: '3', computed: false, value: null }]);
    } finally {
      up.failing = false;
    }
    expect((await values(FIRST_CITY, Array.from({ length: 51 }, (_, i) => ({ id: String(i) })))).statusCode).toBe(400);
  });

  it('finds the options matching a JQL text as the editor would', async () => {
    const res = await c.call('POST', `/v1/fields/${REGION}/jql`, { moduleKey: 'jql-functions', moduleType: 'core:endpoint', body: { input: 'eur' } });
    expect(res.json()).toEqual({ storage: 'object', options: [{ id: 'EU', value: 'Europe' }] });
  });
});
