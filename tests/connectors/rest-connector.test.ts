// REST datasources against a real local HTTP server: every auth mode with right and wrong
// credentials, OAuth2 token caching, URL encoding, result paths, templates, POST bodies, and the
// failures (timeout, 5 MB cap, garbage, 4xx/5xx) as clear 502/504 answers without secrets.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { startSampleUpstream, SAMPLE_CREDENTIALS as CRED, SAMPLE_CUSTOMERS, type SampleUpstream } from '../helpers/sample-upstream.js';
import { createDatasource, createField, expectNoSecretInLogs, preview, previewOf, testConnection } from './connector-fixtures.js';

const ALL_SECRETS = [CRED.basic.password, CRED.bearer.token, CRED.apiKey.value, CRED.oauth2.clientSecret];

// The two database kinds side by side: several tests wait for an upstream past its timeout.
describeEachDatabase('REST connector on %s', (kind) => {
  let c: TestCompanion;
  let up: SampleUpstream;
  const rest = (auth: Record<string, unknown>, secrets: Record<string, string> = {}, extra: Record<string, unknown> = {}) => ({
    type: 'rest',
    config: { baseUrl: `${up.url}/auth/${String(auth.path ?? '')}`.replace(/\/$/, ''), testPath: '/health', auth: auth.auth, ...extra },
    secrets,
  });
  const customers = { query: '/customers?q=$userInput', resultPath: '$.customers[*]', idTemplate: '${row.id}', displayTemplate: '${row.name} (${row.code})' };

  beforeAll(async () => {
    up = await startSampleUpstream();
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
  });
  afterAll(async () => {
    await c?.close();
    await up?.close();
  });

  const modes: Array<{ name: string; auth: Record<string, unknown>; path: string; right: Record<string, string>; wrong: Record<string, string> }> = [
    { name: 'basic', path: 'basic', auth: { mode: 'basic', username: CRED.basic.username }, right: { password: CRED.basic.password }, wrong: { password: 'nope' } },
    { name: 'bearer', path: 'bearer', auth: { mode: 'bearer' }, right: { token: CRED.bearer.token }, wrong: { token: 'nope' } },
    { name: 'API key in a header', path: 'apiKeyHeader', auth: { mode: 'apiKey', in: 'header', name: CRED.apiKey.header }, right: { apiKey: CRED.apiKey.value }, wrong: { apiKey: 'nope' } },
    { name: 'API key in the query', path: 'apiKeyQuery', auth: { mode: 'apiKey', in: 'query', name: CRED.apiKey.query }, right: { apiKey: CRED.apiKey.value }, wrong: { apiKey: 'nope' } },
    {
      name: 'OAuth2 client credentials',
      path: 'oauth2',
      auth: { mode: 'oauth2ClientCredentials', tokenUrl: '', clientId: CRED.oauth2.clientId, scope: CRED.oauth2.scope },
      right: { clientSecret: CRED.oauth2.clientSecret },
      wrong: { clientSecret: 'nope' },
    },
  ];

  it.each(modes)('$name sends what the server expects, and fails clearly with wrong credentials', async (m) => {
    const auth = m.auth.mode === 'oauth2ClientCredentials' ? { ...m.auth, tokenUrl: `${up.url}${CRED.oauth2.tokenPath}` } : m.auth;
    const ok = await previewOf(c, rest({ auth, path: m.path }, m.right), customers, { input: 'umbrella' });
    expect(ok.res.statusCode, ok.res.body).toBe(200);
    const body = ok.res.json();
    expect(body.options).toEqual(
      SAMPLE_CUSTOMERS.filter((x) => x.name.toLowerCase().includes('umbrella')).map((x) => ({ id: String(x.id), value: `${x.name} (${x.code})` })),
    );
    expect(body.options.length).toBeGreaterThan(0);
    expect((await testConnection(c, ok.dsId)).json()).toMatchObject({ ok: true });

    const bad = await previewOf(c, rest({ auth, path: m.path }, m.wrong), customers, { input: 'umbrella' });
    expect(bad.res.statusCode).toBe(502);
    expect(bad.res.json().error.code).toBe('upstream_error');
    expect(bad.res.json().error.message).toMatch(/Datasource "Sample".*HTTP 401/);
    const failed = await testConnection(c, bad.dsId);
    expect(failed.statusCode).toBe(200);
    expect(failed.json()).toMatchObject({ ok: false, message: expect.stringMatching(/HTTP 401/) });
    for (const s of ALL_SECRETS) {
      expect(ok.res.body).not.toContain(s);
      expect(bad.res.body).not.toContain(s);
    }
  });

  it('without credentials the protected path is refused (the auth mode is what makes it work)', async () => {
    const { res } = await previewOf(c, rest({ auth: { mode: 'none' }, path: 'bearer' }), customers);
    expect(res.statusCode).toBe(502);
    expect(res.json().error.message).toContain('HTTP 401');
  });

  it('caches the OAuth2 token across queries and fetches one per datasource version', async () => {
    const auth = { mode: 'oauth2ClientCredentials', tokenUrl: `${up.url}${CRED.oauth2.tokenPath}`, clientId: CRED.oauth2.clientId };
    const dsId = await createDatasource(c, rest({ auth, path: 'oauth2' }, { clientSecret: CRED.oauth2.clientSecret }));
    const field = await createField(c, dsId, customers);
    const before = up.tokenRequests;
    for (const input of ['acme', 'globex', 'hooli']) expect((await preview(c, field.id, { input })).statusCode).toBe(200);
    expect(up.tokenRequests - before).toBe(1);
    const tokenCall = up.requests.filter((r) => r.path === '/oauth/token').at(-1)!;
    expect(new URLSearchParams(tokenCall.body).get('grant_type')).toBe('client_credentials');

    // A changed datasource gets a new token (release drops the old one).
    const current = (await c.call('GET', `/v1/admin/datasources/${dsId}`)).json();
    const put = await c.call('PUT', `/v1/admin/datasources/${dsId}`, { body: { name: current.name, type: 'rest', config: current.config, version: current.version } });
    expect(put.statusCode).toBe(200);
    expect((await preview(c, field.id, { input: 'acme' })).statusCode).toBe(200);
    expect(up.tokenRequests - before).toBe(2);
  });

  it('fetches a new OAuth2 token once the cached one has expired (expires_in, companion clock)', async () => {
    const auth = { mode: 'oauth2ClientCredentials', tokenUrl: `${up.url}${CRED.oauth2.tokenPath}`, clientId: CRED.oauth2.clientId };
    const dsId = await createDatasource(c, rest({ auth, path: 'oauth2' }, { clientSecret: CRED.oauth2.clientSecret }));
    const field = await createField(c, dsId, customers);
    expect((await preview(c, field.id)).statusCode).toBe(200);
    const before = up.tokenRequests;
    c.clock.advance(30 * 60_000); // half of the sample server's 3600 s lifetime: still cached
    expect((await preview(c, field.id)).statusCode).toBe(200);
    expect(up.tokenRequests - before).toBe(0);
    c.clock.advance(31 * 60_000); // past the lifetime
    expect((await preview(c, field.id)).statusCode).toBe(200);
    expect(up.tokenRequests - before).toBe(1);
  });

  it('fetches a new OAuth2 token once when the upstream stops accepting the cached one', async () => {
    const auth = { mode: 'oauth2ClientCredentials', tokenUrl: `${up.url}${CRED.oauth2.tokenPath}`, clientId: CRED.oauth2.clientId };
    const dsId = await createDatasource(c, rest({ auth, path: 'oauth2' }, { clientSecret: CRED.oauth2.clientSecret }));
    const field = await createField(c, dsId, customers);
    expect((await preview(c, field.id)).statusCode).toBe(200);
    const before = up.tokenRequests;
    up.revokeTokens();
    expect((await preview(c, field.id)).statusCode).toBe(200);
    expect(up.tokenRequests - before).toBe(1);
  });

  it('follows redirects but does not carry credentials to another origin', async () => {
    const other = await startSampleUpstream();
    try {
      const to = `${other.url}/projects`;
      const { res } = await previewOf(c, rest({ auth: { mode: 'bearer' }, path: 'bearer' }, { token: CRED.bearer.token }), { query: `/redirect?to=${encodeURIComponent(to)}` });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().options).toHaveLength(3);
      expect(up.requests.at(-1)!.headers.authorization).toBe(`Bearer ${CRED.bearer.token}`);
      expect(other.requests).toHaveLength(1);
      expect(other.requests[0]!.headers.authorization).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it('URL-encodes values in the path and the query string', async () => {
    const input = "a b&c=d/../?#é'; DROP TABLE t; --";
    const { res } = await previewOf(
      c,
      { type: 'rest', config: { baseUrl: up.url } },
      { query: '/echo?q=$userInput&key=$issue.key', resultPath: null, idTemplate: '${row.rawUrl}', displayTemplate: '${row.query.q}|${row.query.key}' },
      { input, context: { issue: { key: 'ACME-1' } } },
    );
    expect(res.statusCode, res.body).toBe(200);
    const [option] = res.json().options;
    expect(option.value).toBe(`${input}|ACME-1`);
    // What arrives is the encoded value (the URL parser also escapes the apostrophe in a query).
    const sent = new URL(`http://x/echo?q=${encodeURIComponent(input)}&key=ACME-1`);
    expect(option.id).toBe(sent.pathname + sent.search);
    expect(res.json().evaluatedQuery.text).toBe(`GET /echo?q=${encodeURIComponent(input)}&key=ACME-1`);
  });

  it('keeps a path value inside its segment', async () => {
    const { res } = await previewOf(c, { type: 'rest', config: { baseUrl: `${up.url}/customers` } }, { query: '/$userInput', displayTemplate: '${row.name}' }, { input: '../projects' });
    expect(res.statusCode).toBe(502);
    expect(res.json().error.message).toContain('HTTP 404');
    expect(up.requests.at(-1)!.rawUrl).toBe('/customers/..%2Fprojects');
  });

  it('selects rows with a result path and renders id and display templates, defaults included', async () => {
    const projects = await previewOf(c, { type: 'rest', config: { baseUrl: up.url } }, { query: '/projects' });
    expect(projects.res.json().options).toEqual([
      { id: '10000', value: 'Acme Rollout' },
      { id: '10001', value: 'Operations' },
      { id: '10002', value: 'People & Culture' },
    ]);
    const filtered = await previewOf(
      c,
      { type: 'rest', config: { baseUrl: up.url } },
      { query: '/customers?country=DE', resultPath: '$.customers[?(@.active === true)]', idTemplate: '${row.code}', displayTemplate: '${row.name} — ${row.country}' },
    );
    const expected = SAMPLE_CUSTOMERS.filter((x) => x.country === 'DE' && x.active);
    expect(filtered.res.json().rows).toEqual(expected);
    expect(filtered.res.json().options).toEqual(expected.map((x) => ({ id: x.code, value: `${x.name} — DE` })));
    const body = filtered.res.json();
    for (const k of ['renderMs', 'sendMs', 'waitMs', 'parseMs', 'mapMs', 'totalMs']) expect(typeof body.timings[k]).toBe('number');
  });

  it('POSTs a JSON body with escaped values', async () => {
    const { res } = await previewOf(
      c,
      { type: 'rest', config: { baseUrl: up.url, method: 'POST' } },
      { query: '/customers/search\n{"name": "$userInput"}', resultPath: '$.results', displayTemplate: '${row.name}' },
      { input: 'wonka"}, "x": "y' },
    );
    expect(res.statusCode).toBe(200);
    expect(res.json().options).toEqual([]);
    expect(JSON.parse(up.requests.at(-1)!.body)).toEqual({ name: 'wonka"}, "x": "y' });
    const wonka = await previewOf(c, { type: 'rest', config: { baseUrl: up.url } }, { query: 'POST /customers/search\n{"name": "$userInput"}', resultPath: '$.results[*]', displayTemplate: '${row.name}' }, { input: 'wonka' });
    expect(wonka.res.json().options.map((o: { value: string }) => o.value)).toEqual(SAMPLE_CUSTOMERS.filter((x) => x.name.startsWith('Wonka')).map((x) => x.name));
  });

  it('sends custom headers and refuses forbidden ones or more than 20', async () => {
    const ok = await previewOf(c, { type: 'rest', config: { baseUrl: up.url, headers: { 'X-Tenant': 'blue', Accept: 'application/json' } } }, { query: '/health' });
    expect(ok.res.statusCode).toBe(200);
    expect(up.requests.at(-1)!.headers['x-tenant']).toBe('blue');
    for (const name of ['Host', 'content-length', 'Connection', 'Transfer-Encoding', 'x-forge-oauth-system', 'bad header']) {
      const res = await c.call('POST', '/v1/admin/datasources', { body: { name: 'H', type: 'rest', config: { baseUrl: up.url, headers: { [name]: 'x' } } } });
      expect(res.statusCode, name).toBe(400);
      expect(res.json().error.message).toContain('header');
    }
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, 'v']));
    const res = await c.call('POST', '/v1/admin/datasources', { body: { name: 'H', type: 'rest', config: { baseUrl: up.url, headers: many } } });
    expect(res.statusCode).toBe(400);
  });

  it('answers 504 upstream_timeout when the upstream is slower than the datasource timeout', async () => {
    const { res, dsId } = await previewOf(c, { type: 'rest', timeoutMs: 1000, config: { baseUrl: up.url, testPath: '/slow?ms=30000' } }, { query: '/slow?ms=30000' });
    expect(res.statusCode).toBe(504);
    expect(res.json().error).toMatchObject({ code: 'upstream_timeout', message: expect.stringContaining('Datasource "Sample"') });
    const test = await testConnection(c, dsId);
    expect(test.statusCode).toBe(200);
    expect(test.json()).toMatchObject({ ok: false, message: expect.stringContaining('did not answer within 1000 ms') });
  });

  it('answers 504 upstream_timeout for a body that trickles in for longer than the datasource timeout', async () => {
    // A byte every 200 ms: no wait between chunks is long, the whole exchange is.
    const { res } = await previewOf(c, { type: 'rest', timeoutMs: 1000, config: { baseUrl: up.url } }, { query: '/trickle?every=200' });
    expect(res.statusCode, res.body).toBe(504);
    expect(res.json().error).toMatchObject({ code: 'upstream_timeout', message: expect.stringContaining('within 1000 ms') });
  });

  it.each(['/huge', '/huge-declared'])('refuses an answer over 5 MB (%s) with 502 upstream_too_large', async (path) => {
    const { res } = await previewOf(c, { type: 'rest', config: { baseUrl: up.url } }, { query: path });
    expect(res.statusCode).toBe(502);
    expect(res.json().error.code).toBe('upstream_too_large');
  });

  it('answers 502 for a body that is not JSON, and for 4xx/5xx naming the datasource and the status', async () => {
    const garbage = await previewOf(c, { type: 'rest', name: 'CRM', config: { baseUrl: up.url } }, { query: '/garbage' });
    expect(garbage.res.statusCode).toBe(502);
    expect(garbage.res.json().error.message).toMatch(/Datasource "CRM" .*not valid JSON/);
    for (const status of [404, 500, 503]) {
      const { res } = await previewOf(c, { type: 'rest', name: 'CRM', config: { baseUrl: up.url } }, { query: `/status/${status}` });
      expect(res.statusCode).toBe(502);
      expect(res.json().error).toEqual({ code: 'upstream_error', message: `Datasource "CRM" answered HTTP ${status}` });
    }
    const refused = await previewOf(c, { type: 'rest', name: 'CRM', config: { baseUrl: 'http://127.0.0.1:1' } }, { query: '/x' });
    expect(refused.res.statusCode).toBe(502);
    expect(refused.res.json().error.message).toBe('Datasource "CRM" refused the connection');
    const dns = await previewOf(c, { type: 'rest', name: 'CRM', config: { baseUrl: 'http://no-such-host.invalid' } }, { query: '/x' });
    expect(dns.res.statusCode).toBe(502);
    expect(dns.res.json().error.message).toContain('DNS');
  });

  it('a template error is a 422 naming the problem', async () => {
    const dsId = await createDatasource(c, { type: 'rest', config: { baseUrl: up.url } });
    const field = await createField(c, dsId, { query: '/customers', resultPath: '$.customers[*]', displayTemplate: '${row.name}' });
    await c.db.field.update({ where: { id: field.id }, data: { resultPath: '$..[?(@.x ===' } });
    const res = await preview(c, field.id);
    expect(res.statusCode).toBe(422);
  });

  it('previews by field key, and another tenant gets 404', async () => {
    const { field } = await previewOf(c, { type: 'rest', config: { baseUrl: up.url } }, { query: '/projects' });
    expect((await preview(c, field.key)).statusCode).toBe(200);
    expect((await preview(c, field.id, {}, { installationId: 'install-b' })).statusCode).toBe(404);
    expect((await preview(c, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });

  it('never puts a secret in a log line', () => {
    expectNoSecretInLogs(c, [...ALL_SECRETS, CRED.jira.userToken]);
  });
});
