// Jira datasources and compute egress against a fake Jira (the sample upstream): the seed's
// "Project picker" end to end through the preview route, as the user when Forge sent the user's
// token, else as the app; tokens never in an answer or a log line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { startSampleUpstream, SAMPLE_CREDENTIALS as CRED, type SampleUpstream } from '../helpers/sample-upstream.js';
import { Deadline } from '../../companion/deadline.js';
import { createDatasource, createField, expectNoSecretInLogs, preview, testConnection } from './connector-fixtures.js';

describe.each(databaseKinds())('Jira connector on %s', (kind) => {
  let c: TestCompanion;
  let up: SampleUpstream;
  let picker: { id: string; key: string };
  let dsId: string;

  beforeAll(async () => {
    up = await startSampleUpstream();
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
    dsId = await createDatasource(c, { name: 'Jira', type: 'jira', config: {} });
    // The seed's example: an object field listing projects, id = project id, value = project key.
    picker = await createField(c, dsId, {
      query: '/rest/api/3/project/search?query=$userInput',
      resultPath: '$.values[*]',
      idTemplate: '${row.id}',
      displayTemplate: '${row.key}',
      storage: 'object',
    });
  });
  afterAll(async () => {
    await c?.close();
    await up?.close();
  });

  const both = { 'x-forge-oauth-user': CRED.jira.userToken, 'x-forge-oauth-system': CRED.jira.systemToken };

  it('the project picker works end to end, as the user when the user token is there', async () => {
    up.reset();
    const res = await preview(c, picker.id, {}, { apiBaseUrl: up.url, headers: both });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().options).toEqual([
      { id: '10000', value: 'ACME' },
      { id: '10001', value: 'OPS' },
      { id: '10002', value: 'HR' },
    ]);
    expect(up.jiraCallers).toEqual(['user']);
    expect(up.requests[0]!.headers.authorization).toBe(`Bearer ${CRED.jira.userToken}`);

    const typed = await preview(c, picker.id, { input: 'ops & more' }, { apiBaseUrl: up.url, headers: both });
    expect(typed.json().evaluatedQuery.text).toBe('GET /rest/api/3/project/search?query=ops%20%26%20more');
    const narrowed = await preview(c, picker.id, { input: 'oper' }, { apiBaseUrl: up.url, headers: both });
    expect(narrowed.json().options).toEqual([{ id: '10001', value: 'OPS' }]);
    for (const r of [res, typed, narrowed]) {
      expect(r.body).not.toContain(CRED.jira.userToken);
      expect(r.body).not.toContain(CRED.jira.systemToken);
    }
  });

  it('falls back to the app (system token) without a user token', async () => {
    up.reset();
    const res = await preview(c, picker.id, {}, { apiBaseUrl: up.url, headers: { 'x-forge-oauth-system': CRED.jira.systemToken } });
    expect(res.statusCode).toBe(200);
    expect(res.json().options).toHaveLength(3);
    expect(up.jiraCallers).toEqual(['system']);
  });

  it('fails clearly without a token or with one Jira refuses', async () => {
    const none = await preview(c, picker.id, {}, { apiBaseUrl: up.url });
    expect(none.statusCode).toBe(422);
    expect(none.json().error.code).toBe('jira_unavailable');
    const wrong = await preview(c, picker.id, {}, { apiBaseUrl: up.url, headers: { 'x-forge-oauth-user': 'expired-token-zz' } });
    expect(wrong.statusCode).toBe(502);
    expect(wrong.json().error.message).toBe('Datasource "Jira" answered HTTP 401 (check its credentials)');
    await expect(
      c.app.companion.pipeline.readIssueFields({ tenantId: 't', apiBaseUrl: up.url, forgeTokens: { user: 'expired-token-zz', system: undefined }, deadline: new Deadline(20_000) }, 'ACME-1', ['summary'], 5000),
    ).rejects.toMatchObject({ statusCode: 502, message: 'Jira answered HTTP 401 (check its credentials)' });
    expect(wrong.body).not.toContain('expired-token-zz');
  });

  it('the connection test calls Jira with the request\'s token', async () => {
    const ok = await testConnection(c, dsId, { apiBaseUrl: up.url, headers: { 'x-forge-oauth-system': CRED.jira.systemToken } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ ok: true, message: expect.stringContaining('as the app') });
    const failed = await testConnection(c, dsId, { apiBaseUrl: up.url });
    expect(failed.statusCode).toBe(200);
    expect(failed.json().ok).toBe(false);
  });

  it('reads only the named issue fields for compute egress, as the user, else as the app', async () => {
    up.reset();
    const caller = { tenantId: 't', apiBaseUrl: up.url, forgeTokens: { user: CRED.jira.userToken, system: CRED.jira.systemToken }, deadline: new Deadline(20_000) };
    const values = await c.app.companion.pipeline.readIssueFields(caller, 'ACME-1', ['customfield_10050'], 5000);
    expect(values).toEqual({ customfield_10050: { id: '1003', value: 'Umbrella Labs Ltd' } });
    expect(up.requests[0]!.rawUrl).toBe('/rest/api/3/issue/ACME-1?fields=customfield_10050');
    expect(up.jiraCallers).toEqual(['user']);
    const asApp = await c.app.companion.pipeline.readIssueFields({ ...caller, forgeTokens: { user: undefined, system: CRED.jira.systemToken } }, 'ACME-1', ['customfield_10051', 'customfield_10050'], 5000);
    expect(asApp).toEqual({ customfield_10051: 'DE', customfield_10050: { id: '1003', value: 'Umbrella Labs Ltd' } });
    expect(up.jiraCallers).toEqual(['user', 'system']);
    await expect(c.app.companion.pipeline.readIssueFields(caller, 'ACME-1/../../x', ['summary'], 5000)).rejects.toMatchObject({ statusCode: 400 });
  });

  it('never logs a Forge token', () => {
    expectNoSecretInLogs(c, [CRED.jira.userToken, CRED.jira.systemToken, 'expired-token-zz']);
  });
});
