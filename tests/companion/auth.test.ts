// Forge Invocation Token checks on /v1, exactly as the contract says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT } from 'jose';
import { databaseKinds } from '../helpers/databases.js';
import { newSigningKey, TEST_APP_ID } from '../helpers/forge-tokens.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';

describe.each(databaseKinds())('Forge token auth on %s', (kind) => {
  let c: TestCompanion;
  beforeAll(async () => {
    c = await startTestCompanion(kind);
  });
  afterAll(async () => c?.close());

  const expect401 = async (token: string | null, headers: Record<string, string> = {}) => {
    const res = await c.call('GET', '/v1/admin/datasources', { token, headers });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    return res.json().error.message as string;
  };

  it('accepts a valid token and creates the tenant on first use', async () => {
    const res = await c.call('GET', '/v1/admin/datasources', { installationId: 'first-use' });
    expect(res.statusCode).toBe(200);
    const tenant = await c.db.tenant.findUnique({ where: { installationId: 'first-use' } });
    expect(tenant).toMatchObject({ cloudId: 'cloud-1', apiBaseUrl: 'https://api.atlassian.com/ex/jira/cloud-1', licenseState: 'active' });
  });

  it('refuses requests without a bearer token', async () => {
    await expect401(null);
    await expect401(null, { authorization: 'Basic abc' });
    await expect401(null, { authorization: 'Bearer' });
  });

  it('refuses a token signed by a key that is not in the JWKS', async () => {
    const stranger = await newSigningKey();
    expect(await expect401(await c.issuer.mint({}, stranger))).toMatch(/trusted key|signature/);
  });

  it('refuses alg none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = new UnsecuredJWT({ app: { installationId: 'install-a', module: { key: 'open-connect-admin' } } })
      .setIssuer('forge/invocation-token')
      .setAudience(TEST_APP_ID)
      .setIssuedAt(now)
      .setExpirationTime(now + 25)
      .encode();
    await expect401(unsigned);
  });

  it('refuses HS256 signed with the public key as the secret', async () => {
    const publicJwk = c.issuer.current.publicJwk;
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ app: { installationId: 'install-a' } })
      .setProtectedHeader({ alg: 'HS256', kid: c.issuer.current.kid })
      .setIssuer('forge/invocation-token')
      .setAudience(TEST_APP_ID)
      .setIssuedAt(now)
      .setExpirationTime(now + 25)
      .sign(secret);
    await expect401(token);
  });

  it('refuses expired, not-yet-valid, wrong audience, wrong issuer, missing installationId and oversized tokens', async () => {
    expect(await expect401(await c.issuer.mint({ expiresIn: -60 }))).toMatch(/expired/);
    expect(await expect401(await c.issuer.mint({ notBefore: 120 }))).toMatch(/nbf/);
    expect(await expect401(await c.issuer.mint({ audience: 'ari:cloud:ecosystem::app/someone-else' }))).toMatch(/aud/);
    expect(await expect401(await c.issuer.mint({ issuer: 'evil' }))).toMatch(/iss/);
    expect(await expect401(await c.issuer.mint({ installationId: null }))).toMatch(/installationId/);
    expect(await expect401(await c.issuer.mint({ extra: { padding: 'x'.repeat(20_000) } }))).toMatch(/too large/);
  });

  it('answers 403 on /v1/admin for a module that is not an admin module', async () => {
    const res = await c.call('GET', '/v1/admin/datasources', { moduleKey: 'connected-field' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
    expect((await c.call('POST', '/v1/admin/datasources', { moduleKey: 'connected-field', body: { name: 'x', type: 'jira' } })).statusCode).toBe(403);
  });

  it('caches the JWKS and refetches it when a token names an unknown kid', async () => {
    await c.call('GET', '/v1/admin/datasources');
    const fetches = c.issuer.jwksFetches;
    await c.call('GET', '/v1/admin/datasources');
    expect(c.issuer.jwksFetches).toBe(fetches);
    await c.issuer.rotate();
    const res = await c.call('GET', '/v1/admin/datasources');
    expect(res.statusCode).toBe(200);
    expect(c.issuer.jwksFetches).toBe(fetches + 1);
  });

  it('logs one line per request: method, URL, status and time, nothing of the headers', async () => {
    const before = c.logs.length;
    await c.call('GET', '/v1/admin/datasources');
    await c.call('GET', '/v1/admin/datasources', { token: 'not-a-token' });
    const lines = c.logs.slice(before).flatMap((chunk) => chunk.split('\n').filter(Boolean)).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.msg, l.method, l.url, l.statusCode])).toEqual([
      ['request completed', 'GET', '/v1/admin/datasources', 200],
      ['request completed', 'GET', '/v1/admin/datasources', 401],
    ]);
    expect(new Set(lines.map((l) => l.reqId)).size).toBe(2);
    for (const l of lines) {
      expect(l.responseTime).toBeTypeOf('number');
      expect(l.level).toBe(30);
      expect(l).not.toHaveProperty('req');
    }
  });

  it('never logs the token or the Forge OAuth tokens', async () => {
    const token = await c.issuer.mint();
    await c.call('GET', '/v1/admin/datasources', { token, headers: { 'x-forge-oauth-user': 'user-oauth-secret', 'x-forge-oauth-system': 'system-oauth-secret' } });
    await c.call('GET', '/v1/admin/datasources', { token: `${token}x` });
    const logs = c.logs.join('\n');
    expect(logs).not.toContain(token.split('.')[2]);
    expect(logs).not.toContain('oauth-secret');
  });
});
