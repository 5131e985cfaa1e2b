// Static lists pasted by the admin: JSON and CSV through the preview route and the connection test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { createDatasource, createField, preview, previewOf, testConnection } from './connector-fixtures.js';

const CSV = 'code,name,region\nDE,Germany,EMEA\nFR,"France, Metropolitan",EMEA\nJP,Japan,APAC\n';
const JSON_ROWS = JSON.stringify({ countries: [{ code: 'DE', name: 'Germany' }, { code: 'US', name: 'United States' }] });

describe.each(databaseKinds())('static connector on %s', (kind) => {
  let c: TestCompanion;
  beforeAll(async () => {
    c = await startTestCompanion(kind);
  });
  afterAll(async () => c?.close());

  it('reads CSV with a header line', async () => {
    const { res, dsId } = await previewOf(c, { type: 'static', config: { format: 'csv', data: CSV } }, { idTemplate: '${row.code}', displayTemplate: '${row.name} (${row.region})' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().options).toEqual([
      { id: 'DE', value: 'Germany (EMEA)' },
      { id: 'FR', value: 'France, Metropolitan (EMEA)' },
      { id: 'JP', value: 'Japan (APAC)' },
    ]);
    expect((await testConnection(c, dsId)).json()).toMatchObject({ ok: true, message: '3 rows' });
  });

  it('reads JSON with a result path', async () => {
    const { res } = await previewOf(c, { type: 'static', config: { format: 'json', data: JSON_ROWS } }, { resultPath: '$.countries[*]', idTemplate: '${row.code}', displayTemplate: '${row.name}' });
    expect(res.json().options).toEqual([
      { id: 'DE', value: 'Germany' },
      { id: 'US', value: 'United States' },
    ]);
  });

  it('answers changed data after the datasource is updated', async () => {
    const dsId = await createDatasource(c, { type: 'static', config: { format: 'json', data: '[{"id":"a","name":"A"}]' } });
    const field = await createField(c, dsId, {});
    expect((await preview(c, field.id)).json().options).toEqual([{ id: 'a', value: 'A' }]);
    const put = await c.call('PUT', `/v1/admin/datasources/${dsId}`, { body: { name: 'Sample', type: 'static', version: 1, config: { format: 'json', data: '[{"id":"b","name":"B"}]' } } });
    expect(put.statusCode).toBe(200);
    expect((await preview(c, field.id)).json().options).toEqual([{ id: 'b', value: 'B' }]);
  });

  it('tests only this installation\'s datasources', async () => {
    const dsId = await createDatasource(c, { type: 'static', config: { format: 'csv', data: CSV } });
    expect((await testConnection(c, dsId, { installationId: 'install-b' })).statusCode).toBe(404);
    expect((await testConnection(c, 'not-a-uuid')).statusCode).toBe(404);
    expect((await testConnection(c, dsId, { moduleKey: 'some-other-module' })).statusCode).toBe(403);
  });

  it('refuses unreadable data with a clear 422, and the connection test says why', async () => {
    const { res, dsId } = await previewOf(c, { type: 'static', name: 'Countries', config: { format: 'json', data: '[{"id": 1,' } }, {});
    expect(res.statusCode).toBe(422);
    expect(res.json().error.message).toMatch(/Datasource "Countries" is misconfigured: its JSON data cannot be read/);
    const test = await testConnection(c, dsId);
    expect(test.statusCode).toBe(200);
    expect(test.json().ok).toBe(false);
  });
});
