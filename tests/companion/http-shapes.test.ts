// What the framework answers by itself keeps the contract's error shape; health, readiness, OpenAPI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';

describe.each(databaseKinds())('HTTP edges on %s', (kind) => {
  let c: TestCompanion;
  beforeAll(async () => {
    c = await startTestCompanion(kind);
  });
  afterAll(async () => c?.close());

  const errorShape = { error: { code: expect.any(String), message: expect.any(String) } };

  it('serves /health and /ready without auth', async () => {
    expect((await c.app.inject({ url: '/health' })).json()).toEqual({ status: 'ok' });
    expect((await c.app.inject({ url: '/ready' })).json()).toEqual({ status: 'ready' });
  });

  it('answers unknown routes, over-long parameters and unreadable URLs in the error shape', async () => {
    const res = await c.app.inject({ url: '/v2/nothing' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(errorShape);
    const long = await c.call('GET', `/v1/admin/datasources/${'x'.repeat(3000)}`);
    expect(long.statusCode).toBe(414);
    expect(long.json()).toEqual(errorShape);
    const bad = await c.call('GET', '/v1/admin/datasources/%E0%A4%A');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toEqual(errorShape);
  });

  it('answers an over-1-MB body with 413, a foreign media type with 415, bad JSON with 400', async () => {
    const big = await c.call('POST', '/v1/admin/datasources', {
      body: JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10), type: 'jira' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json()).toEqual(errorShape);
    const xml = await c.call('POST', '/v1/admin/datasources', { body: '<x/>', headers: { 'content-type': 'application/xml' } });
    expect(xml.statusCode).toBe(415);
    expect(xml.json()).toEqual(errorShape);
    const broken = await c.call('POST', '/v1/admin/datasources', { body: '{"a":', headers: { 'content-type': 'application/json' } });
    expect(broken.statusCode).toBe(400);
    expect(broken.json()).toEqual(errorShape);
  });

  it('publishes an OpenAPI document generated from the route schemas at /docs', async () => {
    const doc = (await c.app.inject({ url: '/docs/json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health', '/ready', '/v1/lifecycle', '/v1/admin/datasources/', '/v1/admin/datasources/{id}']));
    expect(doc.paths['/v1/admin/datasources/'].post.requestBody).toBeDefined();
    expect((await c.app.inject({ url: '/docs' })).statusCode).toBeLessThan(400);
  });
});
