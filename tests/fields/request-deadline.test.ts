// One deadline per runtime request (DESIGN.md "Non-functional"): the parent read from Jira, the OAuth
// token, a retry, the datasource call and every field of a recalculation share it, so a request
// answers by it whatever the upstreams do: 504 upstream_timeout naming who was too slow, or the last
// good options marked stale. Real slow upstreams (the sample upstream stalling every answer), a
// short budget (COMPANION_DEADLINE_MS) so the suite stays quick, and each step well inside its own
// timeout: only the shared deadline can stop these requests. No timing is asserted tightly: the
// answer's code tells, and its arrival is checked against the budget with a wide margin.
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, expect, inject, it } from 'vitest';
import { describeEachDatabase } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion, type CallOptions } from '../helpers/test-companion.js';
import { startSampleUpstream, SAMPLE_CREDENTIALS as CRED, type SampleUpstream } from '../helpers/sample-upstream.js';
import { createDatasource } from '../connectors/connector-fixtures.js';
import { AS_FIELD_RESOLVER } from '../helpers/forge-tokens.js';

const BUDGET_MS = 3_000;
/** Each upstream answer's delay: two fit in the budget, three do not. */
const STALL_MS = 1_000;
/** Wide: a loaded machine may add a lot; what matters is that it is not "the sum of the steps". */
const MARGIN_MS = 2_000;
const EDIT: CallOptions = { moduleKey: 'connected-field-edit' };
/** How long the slow client of the HTTP test takes to send its body after its headers. */
const BODY_DELAY_MS = 3_000;
const postgresUrl = inject('postgresAdminUrl');

// The two database kinds side by side: these tests mostly wait for stalled upstreams and deadlines.
describeEachDatabase('one deadline per runtime request on %s', (kind) => {
  let c: TestCompanion;
  let up: SampleUpstream;
  let oauthField: string;
  let item: string;

  const timed = async <T,>(work: () => Promise<T>) => {
    const started = performance.now();
    const result = await work();
    return { result, ms: performance.now() - started };
  };
  const field = async (datasourceId: string, key: string, query: string, cacheTtlSeconds: number | null = 0) => {
    const res = await c.call('POST', '/v1/admin/fields', {
      body: { key, name: key, datasourceId, editor: 'select', storage: 'object', query, resultPath: '$.customers[*]', idTemplate: '${row.id}', displayTemplate: '${row.name}', cacheTtlSeconds },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const echoField = async (datasourceId: string, key: string, query: string) => {
    const res = await c.call('POST', '/v1/admin/fields', {
      body: { key, name: key, datasourceId, editor: 'select', storage: 'object', query, resultPath: '$.query', idTemplate: '${row.s}', displayTemplate: '${row.s}', cacheTtlSeconds: 0 },
    });
    expect(res.statusCode, res.body).toBe(201);
  };
  // The parent customfield_10051 is not in the request: the companion reads it from (fake) Jira.
  const options = (fieldId: string) =>
    c.call('POST', `/v1/fields/${fieldId}/options`, {
      ...EDIT,
      apiBaseUrl: up.url,
      headers: { 'x-forge-oauth-user': CRED.jira.userToken },
      body: { context: { issue: { id: '20001', key: 'PRJ-1' } } },
    });

  beforeAll(async () => {
    up = await startSampleUpstream();
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1', COMPANION_DEADLINE_MS: String(BUDGET_MS) } });
    const oauth = await createDatasource(c, {
      name: 'CRM (OAuth2)',
      type: 'rest',
      timeoutMs: 10_000,
      config: { baseUrl: `${up.url}/auth/oauth2`, auth: { mode: 'oauth2ClientCredentials', tokenUrl: `${up.url}/oauth/token`, clientId: CRED.oauth2.clientId, scope: CRED.oauth2.scope } },
      secrets: { clientSecret: CRED.oauth2.clientSecret },
    });
    oauthField = await field(oauth, 'customfield_61001', '/customers?country=$issue.customfield_10051', 60);
    const plain = await createDatasource(c, { name: 'Echo', type: 'rest', timeoutMs: 10_000, config: { baseUrl: up.url } });
    // Two siblings and a grandchild under one parent; a three-level chain under another.
    await echoField(plain, 'customfield_61010', '/echo?s=root');
    await echoField(plain, 'customfield_61011', '/echo?s=left&p=$issue.customfield_61010.id');
    await echoField(plain, 'customfield_61012', '/echo?s=right&p=$issue.customfield_61010.id');
    await echoField(plain, 'customfield_61013', '/echo?s=below-left&p=$issue.customfield_61011.id');
    await echoField(plain, 'customfield_61020', '/echo?s=top');
    await echoField(plain, 'customfield_61021', '/echo?s=one&p=$issue.customfield_61020.id');
    await echoField(plain, 'customfield_61022', '/echo?s=two&p=$issue.customfield_61021.id');
    await echoField(plain, 'customfield_61023', '/echo?s=three&p=$issue.customfield_61022.id');
    await echoField(plain, 'customfield_61050', '/echo?s=slow-body');
    const created = await c.call('POST', '/v1/admin/items', {
      body: { key: 'connected_item_61', name: 'Account', datasourceId: plain, editor: 'select', query: '/echo?s=item', resultPath: '$.query', idTemplate: '${row.s}', displayTemplate: '${row.s}', cacheTtlSeconds: 0 },
    });
    expect(created.statusCode, created.body).toBe(201);
    item = created.json().id;
  });
  afterAll(async () => {
    await c?.close();
    await up?.close();
  });
  beforeEach(() => up.reset());

  it('a parent read, an OAuth token and the datasource call in a row: 504 naming the datasource, by the deadline', async () => {
    up.stallMs = STALL_MS;
    const { result: res, ms } = await timed(() => options(oauthField));
    expect(res.statusCode, res.body).toBe(504);
    expect(res.json().error.code).toBe('upstream_timeout');
    expect(res.json().error.message).toMatch(/Datasource "CRM \(OAuth2\)" was too slow/);
    expect(ms).toBeLessThan(BUDGET_MS + MARGIN_MS);
    // Each step got as far as it could: Jira was read and a token asked for; the rest was cut off.
    expect(up.jiraCallers).toEqual(['user']);
    expect(up.tokenRequests).toBe(1);
  }, 20_000);

  it('a retry after a revoked token counts against the same deadline', async () => {
    expect((await options(oauthField)).statusCode).toBe(200); // a token is cached now
    c.clock.advance(61_000); // past the field's TTL, so the datasource is asked again
    up.reset();
    up.revokeTokens();
    up.stallMs = STALL_MS;
    const { result: res, ms } = await timed(() => options(oauthField));
    expect(ms).toBeLessThan(BUDGET_MS + MARGIN_MS);
    // Jira and the refused call fit; the fresh token for the retry does not: the last good options
    // are the answer, marked stale, and the retry is never sent.
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().cache).toBe('stale');
    expect(up.requests.filter((r) => r.path === '/oauth/token')).toHaveLength(1);
    expect(up.requests.filter((r) => r.path === '/auth/oauth2/customers')).toHaveLength(1);
  }, 20_000);

  it('recalculates independent fields at the same time, each after its own parents', async () => {
    up.stallMs = STALL_MS;
    const { result: res, ms } = await timed(() => c.call('POST', '/v1/fields/recalculate', { ...EDIT, body: { changed: ['customfield_61010'] } }));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().fields.map((f: { key: string }) => f.key)).toEqual(['customfield_61011', 'customfield_61012', 'customfield_61013']);
    // Two levels: the siblings together, then the grandchild, inside the budget.
    expect(ms).toBeLessThan(BUDGET_MS + MARGIN_MS);
    expect(up.maxInFlight).toBe(2);
    const at = (event: string) => up.events.findIndex((e) => e.startsWith(event));
    expect(at('start /echo?s=right')).toBeLessThan(at('end /echo?s=left'));
    expect(at('start /echo?s=below-left')).toBeGreaterThan(at('end /echo?s=left'));
  }, 20_000);

  it('over HTTP, the time a slow client takes to send its body counts too: the deadline and the route\'s latency start when the request arrived', async () => {
    // The hot path (http/hot-path.ts) reads such a body before it hands the request to Fastify.
    await c.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = c.app.server.address() as { port: number };
    up.stallMs = BUDGET_MS * 2;
    const token = await c.issuer.mint(EDIT);
    const body = JSON.stringify({ context: { issue: { key: 'PRJ-1', fields: {} } } });
    /** Seconds the options route's 504 answers took, all of them, as its latency histogram has them. */
    const seconds504 = async () => {
      const m = await c.app.companion.metrics.registry.getSingleMetric('oc_http_request_duration_seconds')!.get();
      return m.values
        .filter((v) => (v as { metricName?: string }).metricName === 'oc_http_request_duration_seconds_sum' && v.labels.route === '/v1/fields/:id/options' && v.labels.status_code === '504')
        .reduce((sum, v) => sum + v.value, 0);
    };
    const before = await seconds504();
    // A raw socket: the request line and headers at once, the body BODY_DELAY_MS later (an HTTP
    // client library may hold its headers back until the body's first bytes are there).
    const { result: res, ms } = await timed(
      () =>
        new Promise<string>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1');
          let answer = '';
          socket.setEncoding('utf8');
          socket.on('data', (chunk: string) => (answer += chunk));
          socket.on('error', reject);
          socket.on('end', () => resolve(answer));
          socket.write(
            `POST /v1/fields/customfield_61050/options HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
              `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`,
          );
          setTimeout(() => socket.write(body), BODY_DELAY_MS);
        }),
    );
    expect(res, res).toMatch(/^HTTP\/1\.1 504 /);
    expect(JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4)).error.code).toBe('upstream_timeout');
    // Counted from when Fastify got the request, the answer would come BODY_DELAY_MS after the budget.
    expect(ms).toBeLessThan(BUDGET_MS + BODY_DELAY_MS / 2);
    // The histogram is observed once the answer has gone (onResponse): it counts the body's wait too.
    let took = 0;
    for (let i = 0; i < 50 && took === 0; i += 1) {
      took = (await seconds504()) - before;
      if (took === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(took).toBeGreaterThan(BODY_DELAY_MS / 2 / 1000);
  }, 20_000);

  it('a chain longer than the budget: 504 naming the datasource, by the deadline', async () => {
    up.stallMs = STALL_MS;
    const { result: res, ms } = await timed(() => c.call('POST', '/v1/fields/recalculate', { ...EDIT, body: { changed: ['customfield_61020'] } }));
    expect(res.statusCode, res.body).toBe(504);
    expect(res.json().error).toMatchObject({ code: 'upstream_timeout', message: expect.stringMatching(/Datasource "Echo" was too slow/) });
    expect(ms).toBeLessThan(BUDGET_MS + MARGIN_MS);
    expect(up.events.some((e) => e.startsWith('start /echo?s=three'))).toBe(true);
  }, 20_000);

  it.skipIf(!postgresUrl)('a SQL query gets what is left of the deadline as its statement timeout', async () => {
    const ds = await createDatasource(c, {
      name: 'Warehouse',
      type: 'postgresql',
      timeoutMs: 10_000,
      config: { host: '127.0.0.1', port: Number(new URL(postgresUrl!).port || 5432), database: 'postgres', user: 'postgres' },
    });
    // Six seconds: well inside the datasource's own 10 s, twice the request's budget.
    const sleepy = await field(ds, 'customfield_61030', "SELECT 1 AS id, 'one' AS name FROM pg_sleep(6)");
    const { result: res, ms } = await timed(() => c.call('POST', `/v1/fields/${sleepy}/options`, { ...EDIT, body: {} }));
    expect(res.statusCode, res.body).toBe(504);
    expect(res.json().error.message).toMatch(/Datasource "Warehouse" was too slow/);
    expect(ms).toBeLessThan(BUDGET_MS + MARGIN_MS);
  }, 20_000);

  it('connected item options and a save of item values end by the deadline too', async () => {
    up.stallMs = 3 * BUDGET_MS; // one answer slower than the whole budget, well inside its own timeout
    const issue = { context: { issue: { id: '10001' } } };
    // Connected items are served to the app's own resolver (it checks Jira's permissions first).
    const asked = await timed(() => c.call('POST', `/v1/items/${item}/options`, { ...AS_FIELD_RESOLVER, body: issue }));
    expect(asked.result.statusCode, asked.result.body).toBe(504);
    expect(asked.result.json().error.message).toMatch(/Datasource "Echo" was too slow/);
    expect(asked.ms).toBeLessThan(BUDGET_MS + MARGIN_MS);
    const saved = await timed(() => c.call('PUT', '/v1/issues/10001/items', { ...AS_FIELD_RESOLVER, body: { ...issue, items: [{ itemId: item, values: [{ id: 'item' }] }] } }));
    expect(saved.result.statusCode, saved.result.body).toBe(504);
    expect(saved.ms).toBeLessThan(BUDGET_MS + MARGIN_MS);
    expect((await c.call('GET', '/v1/issues/10001/items', AS_FIELD_RESOLVER)).json().items).toEqual([]);
  }, 20_000);
});
