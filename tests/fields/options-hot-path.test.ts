// The hot path (companion/http/hot-path.ts): options requests answered at the server's request
// event, beside Fastify. Over real HTTP to a listening companion (app.inject never meets the hot
// path, so every request here is also asked through inject, Fastify's own way, for comparison):
// - a warm hit is answered there with the route's status, headers, bytes, latency histogram and
//   one log line;
// - a miss, a filtered list or a first page is resolved there as the route resolves it, with one
//   upstream call; one that fails is answered by the route with that failure (no second call);
// - everything else (no or bad token, bad bodies, unknown fields, later pages, a user's own
//   answers) is answered exactly as through Fastify, body included;
// - a change through the admin API is seen by the very next request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import fc from 'fast-check';
import { databaseKinds } from '../helpers/databases.js';
import { hostileJson, hostileParam, mutationsOf, rawBodies } from '../proof/support/hostile-arbitraries.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { CountingUpstream } from './support/counting-upstream.js';
import { createCrmDatasource, createCustomerField } from './support/rest-field.js';
import { PerUserJira } from './support/per-user-jira.js';

const EDIT = { moduleKey: 'connected-field-edit' };
/** Hostile requests per database kind, from a fixed seed (the same cases every run). */
const HOSTILE_CASES = 10 * Number(process.env.OC_FUZZ_CASES_PER_ROUTE ?? 10);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

describe.each(databaseKinds())('options hot path on %s', (kind) => {
  let c: TestCompanion;
  let up: CountingUpstream;
  let base = '';
  let ds: { id: string };
  let n = 61000;

  const newField = async (extra: Record<string, unknown> = {}) => {
    n += 1;
    return createCustomerField(c, ds.id, n, extra);
  };

  type Send = { token?: string | null; body?: unknown; headers?: Record<string, string> };
  /** The headers and body of a request (a fresh edit-module token unless `token` is given; `body` as text is sent as it is). */
  const requestOf = async (opts: Send) => {
    const token = opts.token === undefined ? await c.issuer.mint(EDIT) : opts.token;
    return {
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...opts.headers },
      body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body ?? {}),
    };
  };
  /** POST over real HTTP. */
  const http = async (path: string, opts: Send = {}): Promise<Answer> => {
    const { headers, body } = await requestOf(opts);
    const res = await request(`${base}${path}`, { method: 'POST', headers, body });
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
  };
  /** The same request through Fastify's own pipeline (inject never meets the hot path). */
  const viaFastify = async (path: string, opts: Send = {}): Promise<Answer> => {
    const { headers, body } = await requestOf(opts);
    const res = await c.app.inject({ method: 'POST', url: path, headers, payload: body });
    return { status: res.statusCode, headers: res.headers, body: res.body };
  };
  const metric = async (name: string, series: string, labels: Record<string, string> = {}) => {
    const m = await c.app.companion.metrics.registry.getSingleMetric(name)!.get();
    return m.values
      .filter((v) => ((v as { metricName?: string }).metricName ?? name) === series && Object.entries(labels).every(([k, x]) => v.labels[k] === x))
      .reduce((sum, v) => sum + v.value, 0);
  };
  /** Warm hits the hot path answered (whole cached lists as bytes). */
  const hotAnswers = () => metric('oc_http_hot_path_answers_total', 'oc_http_hot_path_answers_total', { answer: 'warm' });
  /** Requests the hot path resolved itself (misses, filtered lists, first pages). */
  const resolvedAnswers = () => metric('oc_http_hot_path_answers_total', 'oc_http_hot_path_answers_total', { answer: 'resolved' });
  const routeCount = () =>
    metric('oc_http_request_duration_seconds', 'oc_http_request_duration_seconds_count', { route: '/v1/fields/:id/options', status_code: '200' });
  /**
   * Sends `send` until the hot path answers it (once). On PostgreSQL the hot path answers only while
   * the change listener vouches for the tenant's sequence (change-sequence.ts): after a start or a
   * change that takes a few pings; until then the route answers, reading the sequence.
   */
  const untilHot = async (send: () => Promise<Answer>): Promise<Answer> => {
    for (let i = 0; i < 100; i += 1) {
      const before = await hotAnswers();
      const answer = await send();
      if ((await hotAnswers()) === before + 1) return answer;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the hot path never answered');
  };

  beforeAll(async () => {
    up = await CountingUpstream.start();
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
    await c.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(c.app.server.address() as AddressInfo).port}`;
    ds = await createCrmDatasource(c, up.url);
  });
  afterAll(async () => {
    await c?.close();
    await up?.stop();
  });

  it('answers a warm hit with the route\'s own status, headers and bytes, counted and logged once', async () => {
    const f = await newField();
    const path = `/v1/fields/${f.key}/options`;
    const miss = await http(path);
    expect(miss.status, miss.body).toBe(200);
    expect(JSON.parse(miss.body).cache).toBe('miss');
    // The route's first hit makes the bytes (through Fastify); every later one is the hot path's.
    expect(JSON.parse((await viaFastify(path)).body).cache).toBe('hit');

    await untilHot(() => http(path));
    const [answers, histogram] = [await hotAnswers(), await routeCount()];
    const logged = c.logs.length;
    const hot = await untilHot(() => http(path, { body: { context: { issue: { key: 'PRJ-1', fields: {} } } } }));
    expect(await hotAnswers()).toBe(answers + 1);
    expect(await routeCount()).toBe(histogram + 1);
    const fastify = await viaFastify(path, { body: { context: { issue: { key: 'PRJ-1', fields: {} } } } });
    expect(hot.status).toBe(200);
    expect(hot.body).toBe(fastify.body);
    expect(JSON.parse(hot.body)).toMatchObject({ cache: 'hit', nextCursor: null });
    expect(JSON.parse(hot.body).options).toHaveLength(100);
    for (const h of ['content-type', 'content-length']) expect(hot.headers[h], h).toBe(fastify.headers[h]);
    expect(hot.headers['content-type']).toBe('application/json; charset=utf-8');

    // One line for the hot request (the inject after it wrote its own), without the token.
    const lines = c.logs.slice(logged).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request completed');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 30, method: 'POST', url: path, statusCode: 200 });
    expect(typeof lines[0]!.reqId).toBe('string');
    expect(lines[0]!.reqId).not.toBe(lines[1]!.reqId);
    expect(typeof lines[0]!.responseTime).toBe('number');
    expect(c.logs.slice(logged).join('')).not.toMatch(/Bearer|eyJ/);
    // The field's id names the same field.
    expect((await http(`/v1/fields/${f.id}/options`)).body).toBe(hot.body);
  });

  it('answers everything else exactly as through Fastify, never as a warm hit', async () => {
    const f = await newField();
    const path = `/v1/fields/${f.key}/options`;
    await http(path);
    await untilHot(() => http(path));
    const expired = await c.issuer.mint({ ...EDIT, expiresIn: -60 });
    const forged = `${(await c.issuer.mint(EDIT)).slice(0, -6)}AAAAAA`;
    const cases: Array<[string, string, Parameters<typeof http>[1], number]> = [
      ['no token', path, { token: null }, 401],
      ['an expired token', path, { token: expired }, 401],
      ['a forged signature', path, { token: forged }, 401],
      ['another app\'s token', path, { token: await c.issuer.mint({ ...EDIT, audience: 'ari:cloud:ecosystem::app/other' }) }, 401],
      ['an unknown field', '/v1/fields/customfield_99999/options', {}, 404],
      ['a limit out of range', path, { body: { limit: 0 } }, 400],
      ['an unknown property', path, { body: { page: 2 } }, 400],
      ['a cursor it never gave out', path, { body: { cursor: 'x' } }, 400],
      ['a number that is not finite', path, { body: '{"context":{"issue":{"fields":{"customfield_1":1e999}}}}' }, 400],
      ['prototype poisoning', path, { body: '{"context":{"__proto__":{"polluted":true}}}' }, 400],
      ['constructor poisoning', path, { body: '{"context":{"constructor":{"prototype":{"polluted":true}}}}' }, 400],
      ['broken JSON', path, { body: '{"context":' }, 400],
      ['an empty JSON body', path, { body: ' ' }, 400],
      ['text, not JSON', path, { body: 'hello', headers: { 'content-type': 'text/plain' } }, 400],
      ['a type no parser takes', path, { body: '<a/>', headers: { 'content-type': 'application/xml' } }, 415],
      ['JSON with another charset', path, { headers: { 'content-type': 'application/json; charset=latin1' } }, 200],
      ['a first page', path, { body: { limit: 10 } }, 200],
      ['the next page', path, { body: { limit: 10, cursor: '10' } }, 200],
      ['typed input filtering the list', path, { body: { input: 'customer 7' } }, 200],
      ['a query string', `${path}?x=1`, {}, 200],
      ['a trailing slash', `${path}/`, {}, 404],
    ];
    for (const [what, url, opts, status] of cases) {
      const answers = await hotAnswers();
      const hot = await http(url, opts);
      expect(await hotAnswers(), what).toBe(answers);
      const fastify = await viaFastify(url, opts);
      expect(hot.status, `${what}: ${hot.body}`).toBe(status);
      expect(hot.status, what).toBe(fastify.status);
      expect(hot.body, what).toBe(fastify.body);
      expect(hot.headers['content-type'], what).toBe(fastify.headers['content-type']);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const page = JSON.parse((await http(path, { body: { limit: 10 } })).body);
    expect(page).toMatchObject({ nextCursor: '10', cache: 'hit' });
    expect(page.options).toHaveLength(10);
    expect(JSON.parse((await http(path, { body: { input: 'customer 7' } })).body).options.map((o: { value: string }) => o.value)).toEqual([
      'Customer 7',
      ...Array.from({ length: 10 }, (_, i) => `Customer ${70 + i}`),
    ]);
  });

  it('answers whatever arrives exactly as Fastify does: hostile bodies, media types and field references', async () => {
    const f = await newField();
    // A whole-list hit (the hot path's), which mutations turn into pages, filtered lists and refusals.
    const valid = { context: { issue: { key: 'PRJ-1', fields: { customfield_1: 'x' } } }, input: '', limit: 200 };
    await http(`/v1/fields/${f.key}/options`);
    await untilHot(() => http(`/v1/fields/${f.key}/options`, { body: valid }));
    const request = fc.oneof(
      mutationsOf(valid).map((body) => ({ ref: f.key, body: JSON.stringify(body) ?? '', headers: {} as Record<string, string> })),
      hostileJson.map((body) => ({ ref: f.key, body: JSON.stringify(body) ?? '', headers: {} as Record<string, string> })),
      rawBodies.map((raw) => ({ ref: f.key, body: raw.payload, headers: raw.contentType ? { 'content-type': raw.contentType } : ({} as Record<string, string>) })),
      hostileParam.map((ref) => ({ ref: encodeURIComponent(ref), body: JSON.stringify(valid), headers: {} as Record<string, string> })),
    );
    const before = await hotAnswers();
    const cases = fc.sample(request, { numRuns: HOSTILE_CASES, seed: 61_014 });
    for (const [i, { ref, body, headers }] of cases.entries()) {
      const path = `/v1/fields/${ref}/options`;
      const hot = await http(path, { body, headers });
      const fastify = await viaFastify(path, { body, headers });
      const what = `case #${i}: ${path} ${JSON.stringify(headers)} ${body.slice(0, 200)}`;
      expect(hot.status, what).toBeLessThan(500);
      expect(hot.status, what).toBe(fastify.status);
      expect(hot.body, what).toBe(fastify.body);
      expect(hot.headers['content-type'], what).toBe(fastify.headers['content-type']);
    }
    // Some were warm hits the hot path answered; the rest went to the route.
    expect(await hotAnswers()).toBeGreaterThan(before);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('resolves a miss itself as the route does, with one upstream call, from a body of many chunks', async () => {
    // Two fields alike but for their key: one asked over HTTP (the hot path), one through inject (the route).
    const tag = `hot-miss-${n}`;
    const f = await newField({ query: `/customers?f=${tag}&q=$userInput` });
    const twin = await newField({ query: `/customers?f=${tag}&q=$userInput` });
    const path = `/v1/fields/${f.key}/options`;
    // A body of many chunks: the issue's fields as Forge may send them.
    const fields = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`customfield_${20000 + i}`, `value ${'x'.repeat(100)} ${i}`]));
    const body = { input: 'customer 4', context: { issue: { key: 'PRJ-9', fields } } };
    const [warm, resolved, histogram] = [await hotAnswers(), await resolvedAnswers(), await routeCount()];
    const logged = c.logs.length;
    const miss = await http(path, { body });
    expect(miss.status, miss.body).toBe(200);
    expect(JSON.parse(miss.body)).toMatchObject({ cache: 'miss', options: [{ id: 'c4', value: 'Customer 4' }, ...Array.from({ length: 10 }, (_, i) => ({ id: `c${40 + i}`, value: `Customer ${40 + i}` }))] });
    expect(await resolvedAnswers()).toBe(resolved + 1);
    expect(await hotAnswers()).toBe(warm);
    expect(await routeCount()).toBe(histogram + 1);
    expect(up.count(`/customers?f=${tag}&q=`)).toBe(1);
    const lines = c.logs.slice(logged).map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request completed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, method: 'POST', url: path, statusCode: 200 });
    const viaRoute = await viaFastify(`/v1/fields/${twin.key}/options`, { body });
    expect(miss.body).toBe(viaRoute.body);
    for (const h of ['content-type', 'content-length']) expect(miss.headers[h], h).toBe(viaRoute.headers[h]);
    expect(up.count(`/customers?f=${tag}&q=`)).toBe(2);
    // The same request again: a hit from memory, the same list, no upstream call.
    const again = await untilHot(() => http(path, { body }));
    expect(JSON.parse(again.body)).toEqual({ ...JSON.parse(miss.body), cache: 'hit' });
    expect(again.body).toBe((await viaFastify(path, { body })).body);
    expect(up.count(`/customers?f=${tag}&q=`)).toBe(2);
  });

  it('answers a miss whose upstream fails as the route does, from that one failed call', async () => {
    const tag = `hot-fail-${n}`;
    const f = await newField({ query: `/customers?f=${tag}&q=$userInput` });
    const twin = await newField({ query: `/customers?f=${tag}&q=$userInput` });
    up.failing = true;
    try {
      const resolved = await resolvedAnswers();
      const failed = await http(`/v1/fields/${f.key}/options`, { body: { input: 'x' } });
      expect(up.count(`/customers?f=${tag}&q=`), 'one upstream call, not one per way').toBe(1);
      expect(await resolvedAnswers()).toBe(resolved);
      const viaRoute = await viaFastify(`/v1/fields/${twin.key}/options`, { body: { input: 'x' } });
      expect(failed.status, failed.body).toBe(502);
      expect(failed.status).toBe(viaRoute.status);
      expect(failed.body).toBe(viaRoute.body);
      expect(failed.headers['content-type']).toBe(viaRoute.headers['content-type']);
      expect(up.count(`/customers?f=${tag}&q=`)).toBe(2);
    } finally {
      up.failing = false;
    }
  });

  it('resolves typed input with other text each time itself (one call each), and the same text again is a warm hit', async () => {
    const f = await newField({ query: `/customers?f=${n + 1}&q=$userInput` });
    const path = `/v1/fields/${f.key}/options`;
    const [warm, resolved] = [await hotAnswers(), await resolvedAnswers()];
    for (let i = 0; i < 12; i += 1) expect(JSON.parse((await http(path, { body: { input: `customer ${i}` } })).body).cache).toBe('miss');
    expect(up.count(`/customers?f=${n}&q=`)).toBe(12);
    expect(await resolvedAnswers()).toBe(resolved + 12);
    // The first hit of a list makes its bytes; from then on it is a warm hit.
    expect(JSON.parse((await http(path, { body: { input: 'customer 3' } })).body).cache).toBe('hit');
    expect(await resolvedAnswers()).toBe(resolved + 13);
    const hit = await http(path, { body: { input: 'customer 3' } });
    expect(JSON.parse(hit.body).cache).toBe('hit');
    expect(await hotAnswers()).toBe(warm + 1);
    expect(hit.body).toBe((await viaFastify(path, { body: { input: 'customer 3' } })).body);
    expect(up.count(`/customers?f=${n}&q=`)).toBe(12);
  });

  it('sees a change made through the admin API on the very next request', async () => {
    const f = await newField();
    const path = `/v1/fields/${f.key}/options`;
    await http(path);
    expect(JSON.parse((await untilHot(() => http(path))).body).options[0]).toEqual({ id: 'c1', value: 'Customer 1' });
    const put = await c.call('PUT', `/v1/admin/fields/${f.id}`, {
      body: { key: f.key, name: 'Renamed', datasourceId: ds.id, editor: 'select', storage: 'object', query: f.query, resultPath: '$.items[*]', idTemplate: '${row.id}', displayTemplate: '${row.name} (changed)', version: f.version },
    });
    expect(put.statusCode, put.body).toBe(200);
    const after = JSON.parse((await http(path)).body);
    expect(after).toMatchObject({ cache: 'miss' });
    expect(after.options[0]).toEqual({ id: 'c1', value: 'Customer 1 (changed)' });
    const cleared = await c.call('POST', `/v1/admin/datasources/${ds.id}/cache/clear`);
    expect(cleared.statusCode).toBe(200);
    expect(JSON.parse((await http(path)).body).cache).toBe('miss');
    const gone = await c.call('DELETE', `/v1/admin/fields/${f.id}`);
    expect(gone.statusCode).toBe(204);
    expect((await http(path)).status).toBe(404);
  });

  it('answers each tenant its own field of the same key, and another tenant\'s field to nobody', async () => {
    const f = await newField();
    const path = `/v1/fields/${f.key}/options`;
    const asB = { installationId: 'install-b-hot', ...EDIT };
    const tokenB = () => c.issuer.mint(asB);
    // Tenant B has no such field: B never gets A's options, hot or not.
    await http(path);
    await untilHot(() => http(path));
    const none = await http(path, { token: await tokenB() });
    expect(none.status).toBe(404);
    // B's own datasource and field of the same key, with other display values.
    const dsB = await c.call('POST', '/v1/admin/datasources', { installationId: 'install-b-hot', body: { name: 'CRM B', type: 'rest', config: { baseUrl: up.url, auth: { mode: 'none' } } } });
    expect(dsB.statusCode, dsB.body).toBe(201);
    const fieldB = await c.call('POST', '/v1/admin/fields', {
      installationId: 'install-b-hot',
      body: { key: f.key, name: 'B', datasourceId: dsB.json().id, editor: 'select', storage: 'object', query: f.query, resultPath: '$.items[*]', idTemplate: '${row.id}', displayTemplate: 'B: ${row.name}' },
    });
    expect(fieldB.statusCode, fieldB.body).toBe(201);
    await http(path, { token: await tokenB() });
    const b = await untilHot(async () => http(path, { token: await tokenB() }));
    expect(JSON.parse(b.body).options[0]).toEqual({ id: 'c1', value: 'B: Customer 1' });
    const a = await untilHot(() => http(path));
    expect(JSON.parse(a.body).options[0]).toEqual({ id: 'c1', value: 'Customer 1' });
  });

  it('never answers one user with another user\'s answer', async () => {
    const jira = await PerUserJira.start();
    try {
      const res = await c.call('POST', '/v1/admin/datasources', { body: { name: 'Jira', type: 'jira', config: {} } });
      expect(res.statusCode, res.body).toBe(201);
      const f = await newField({ datasourceId: res.json().id, query: '/rest/api/3/project/search?hot=1', resultPath: '$.values[*]', displayTemplate: '${row.key}' });
      const path = `/v1/fields/${f.key}/options`;
      const as = async (principal: string, token: string) =>
        http(path, { token: await c.issuer.mint({ ...EDIT, principal, apiBaseUrl: jira.url }), headers: { 'x-forge-oauth-user': token } });
      expect(JSON.parse((await as('acc-a', 'token-a')).body)).toMatchObject({ cache: 'miss', options: [{ id: '10000', value: 'SECRET' }] });
      expect(JSON.parse((await as('acc-a', 'token-a')).body).cache).toBe('hit');
      expect(JSON.parse((await untilHot(() => as('acc-a', 'token-a'))).body)).toMatchObject({ cache: 'hit', options: [{ id: '10000', value: 'SECRET' }] });
      const answers = await hotAnswers();
      // B: Jira refuses B, and B never gets A's projects, from either path.
      const b = await as('acc-b', 'token-b');
      expect(b.status).toBe(502);
      expect(b.body).not.toContain('SECRET');
      expect(JSON.parse((await as('acc-c', 'token-c')).body)).toMatchObject({ cache: 'miss', options: [{ id: '10001', value: 'OPS' }] });
      expect(await hotAnswers()).toBe(answers);
    } finally {
      await jira.stop();
    }
  });
});
