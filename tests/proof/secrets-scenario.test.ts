// Secrets stay secret through a whole admin session: datasources with every kind of credential are
// created, updated, tested, used for options and previews, exported, imported, and pushed into errors
// (an upstream that echoes the credentials back in its failure). Afterwards no secret value, no
// Forge token and no derived form of them (Basic header) appears in any table, response, log line or
// export.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { SAMPLE_CREDENTIALS as CRED, startSampleUpstream, type SampleUpstream } from '../helpers/sample-upstream.js';
import { tenant, type Tenant } from './support/proof-client.js';
import { dumpAllTables } from './support/row-counts.js';

describe.each(databaseKinds())('secrets through a full admin scenario on %s', (kind) => {
  let c: TestCompanion;
  let up: SampleUpstream;
  let admin: Tenant;
  const answers: string[] = [];
  const forgeUserToken = 'forge-oauth-user-token-SECRET-6a1e';
  const forgeSystemToken = 'forge-oauth-system-token-SECRET-9c2f';
  const updatedPassword = 'rotated-basic-pass-SECRET-0b7d';
  const sqlPassword = 'sql-password-SECRET-41aa';
  const headerToken = 'credential-header-SECRET-7d3e';

  beforeAll(async () => {
    up = await startSampleUpstream();
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
    admin = tenant(c, 'secret-keeper');
  });
  afterAll(async () => {
    await c?.close();
    await up?.close();
  });

  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, query?: string) => {
    const res = await admin.send(method, url, {
      ...(body !== undefined ? { body } : {}),
      ...(query ? { query } : {}),
      headers: { 'x-forge-oauth-user': forgeUserToken, 'x-forge-oauth-system': forgeSystemToken },
    });
    answers.push(`${method} ${url} → ${res.statusCode}\n${JSON.stringify(res.headers)}\n${res.body}`);
    return res;
  };

  it('keeps every secret out of tables, answers, logs and the export', async () => {
    const rest = (name: string, auth: Record<string, unknown>, secrets: Record<string, string>, path: string, headers?: Record<string, string>) => ({
      name,
      type: 'rest',
      config: { baseUrl: `${up.url}/auth/${path}`, testPath: '/health', auth, ...(headers ? { headers } : {}) },
      secrets,
      timeoutMs: 2000,
    });
    const bodies = [
      rest('Basic CRM', { mode: 'basic', username: CRED.basic.username }, { password: CRED.basic.password }, 'basic'),
      rest('Bearer CRM', { mode: 'bearer' }, { token: CRED.bearer.token }, 'bearer'),
      rest('Key CRM', { mode: 'apiKey', in: 'header', name: CRED.apiKey.header }, { apiKey: CRED.apiKey.value }, 'apiKeyHeader'),
      // A custom header that carries a credential is a secret too (encrypted at rest, write-only).
      rest('Query key CRM', { mode: 'apiKey', in: 'query', name: CRED.apiKey.query }, { apiKey: CRED.apiKey.value }, 'apiKeyQuery', { 'X-Session-Token': headerToken }),
      rest(
        'OAuth CRM',
        { mode: 'oauth2ClientCredentials', tokenUrl: `${up.url}${CRED.oauth2.tokenPath}`, clientId: CRED.oauth2.clientId, scope: CRED.oauth2.scope },
        { clientSecret: CRED.oauth2.clientSecret },
        'oauth2',
      ),
      { name: 'ERP', type: 'postgresql', config: { host: '127.0.0.1', port: 1, database: 'erp', user: 'reader' }, secrets: { password: sqlPassword }, timeoutMs: 1000 },
    ];
    const ids: string[] = [];
    for (const body of bodies) {
      const res = await call('POST', '/v1/admin/datasources', body);
      expect(res.statusCode, res.body).toBe(201);
      ids.push(res.json().id);
    }

    // update: rotate the Basic password, keep the others
    const basic = (await call('GET', `/v1/admin/datasources/${ids[0]}`)).json();
    const updated = await call('PUT', `/v1/admin/datasources/${ids[0]}`, { ...bodies[0], secrets: { password: updatedPassword }, version: basic.version });
    expect(updated.statusCode, updated.body).toBe(200);
    expect(updated.json().secrets).toEqual({ password: true });

    // test every connection (the rotated Basic password is now wrong upstream: a failure path too)
    for (const id of ids) expect((await call('POST', `/v1/admin/datasources/${id}/test`)).statusCode).toBe(200);

    // fields on each REST datasource: options (twice: miss, then hit), preview, and an error path
    const fieldIds: string[] = [];
    for (const [i, id] of ids.slice(0, 5).entries()) {
      const res = await call('POST', '/v1/admin/fields', {
        key: `customfield_${10100 + i}`,
        name: `Customer ${i}`,
        datasourceId: id,
        editor: 'select',
        storage: 'object',
        query: '/customers?q=$userInput',
        resultPath: '$.customers[*]',
        idTemplate: '${row.id}',
        displayTemplate: '${row.name}',
      });
      expect(res.statusCode, res.body).toBe(201);
      fieldIds.push(res.json().id);
    }
    for (const id of fieldIds) {
      const ctx = { context: { issue: { key: 'PRJ-1' }, user: { accountId: 'acc-1' } }, input: 'Acme' };
      await call('POST', `/v1/fields/${id}/options`, ctx);
      await call('POST', `/v1/fields/${id}/options`, ctx);
      await call('POST', `/v1/admin/fields/${id}/preview`, ctx);
    }
    const ok = (await call('POST', `/v1/fields/${fieldIds[1]}/options`, { input: 'Acme' })).json();
    expect(ok.options.length, 'the bearer datasource really served options').toBeGreaterThan(0);
    // errors: an upstream that answers 401/500 with the request's credentials in its body
    const echo = await call('POST', '/v1/admin/fields', {
      key: 'customfield_10199', name: 'Echo', datasourceId: ids[1], editor: 'select', storage: 'object',
      query: '/status/500', idTemplate: '${row.id}', displayTemplate: '${row.name}',
    });
    expect(echo.statusCode, echo.body).toBe(201);
    const failed = await call('POST', `/v1/fields/${echo.json().id}/options`, { input: '' });
    expect(failed.statusCode).toBe(502);
    await call('POST', `/v1/admin/fields/${echo.json().id}/preview`, { input: '' });

    // export, import it back (replace), the egress report and the audit trail
    const exported = await call('GET', '/v1/admin/export');
    expect(exported.statusCode).toBe(200);
    expect(exported.json().datasources.length).toBe(bodies.length);
    const imported = await call('POST', '/v1/admin/import', exported.json(), 'mode=replace');
    expect(imported.statusCode, imported.body).toBe(200);
    await call('GET', '/v1/admin/egress');
    await call('GET', '/v1/admin/audit', undefined, 'limit=200');
    await call('GET', '/v1/admin/datasources', undefined, 'limit=200');
    // bad input that carries secrets: rejected, and the secret must not be echoed in the error
    const rejected = await call('POST', '/v1/admin/datasources', { ...bodies[1], secrets: { token: CRED.bearer.token, sshKey: CRED.bearer.token } });
    expect(rejected.statusCode).toBe(400);
    await call('DELETE', `/v1/admin/fields/${echo.json().id}`);

    // the upstream really received the credentials (so they did flow through the companion)...
    const seen = JSON.stringify(up.requests);
    expect(seen).toContain(CRED.bearer.token);
    expect(seen).toContain(CRED.apiKey.value);
    expect(seen).toContain(headerToken);
    // ...and nothing of them is anywhere on our side
    const secrets = [
      CRED.basic.password, updatedPassword, CRED.bearer.token, CRED.apiKey.value, CRED.oauth2.clientSecret, sqlPassword, headerToken,
      forgeUserToken, forgeSystemToken,
      Buffer.from(`${CRED.basic.username}:${CRED.basic.password}`).toString('base64'),
      Buffer.from(`${CRED.basic.username}:${updatedPassword}`).toString('base64'),
      Buffer.from(`${CRED.oauth2.clientId}:${CRED.oauth2.clientSecret}`).toString('base64'),
    ];
    const tables = await dumpAllTables(c.db);
    const logs = c.logs.join('\n');
    const responses = answers.join('\n');
    const exportText = exported.body;
    for (const secret of secrets) {
      for (const [table, text] of Object.entries(tables)) expect(text, `${table} holds a secret`).not.toContain(secret);
      expect(responses, 'an answer holds a secret').not.toContain(secret);
      expect(logs, 'a log line holds a secret').not.toContain(secret);
      expect(exportText, 'the export holds a secret').not.toContain(secret);
    }
    // OAuth access tokens the companion obtained are credentials too
    for (const token of (up.requests.filter((r) => r.path.includes('/auth/oauth2/')).map((r) => String(r.headers.authorization ?? '').replace(/^Bearer /, '')))) {
      if (!token) continue;
      expect(logs).not.toContain(token);
      expect(responses).not.toContain(token);
      for (const text of Object.values(tables)) expect(text).not.toContain(token);
    }
    // the Forge invocation tokens themselves never reach a log line
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{20,}\.eyJ[A-Za-z0-9_-]{20,}/);
    expect(logs.length, 'the companion did log the session').toBeGreaterThan(1000);
  });
});
