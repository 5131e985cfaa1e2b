// The forgery matrix: every /v1 route (read from the app) refuses every forged or unacceptable token
// with 401 in the error shape and stores nothing for it; and every route takes exactly the callers
// its table entry names (the admin page, a field's UI, the resolvers, the platform's deliveries to
// each endpoint), refusing every other genuine token with 403 and storing nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyObject } from 'node:crypto';
import { SignJWT, decodeJwt, exportSPKI, importJWK, type JWTPayload } from 'jose';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { newSigningKey, TEST_APP_ID, type ForgeTokenIssuer } from '../helpers/forge-tokens.js';
import { v1RoutesOf, type HttpMethod } from './support/app-routes.js';
import { CALLERS, claimsOf as callerClaims, fillPath, hasErrorShape } from './support/proof-client.js';
import { ROUTE_TABLE, acceptedBy } from './support/route-table.js';
import { contentReader } from './support/row-counts.js';
import { staticDatasourceBody } from './support/tenant-fixtures.js';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const FORGED = 'forged-install';

async function claimsOf(issuer: ForgeTokenIssuer): Promise<JWTPayload> {
  return decodeJwt(await issuer.mint({ installationId: FORGED }));
}

/** HS256 signed with the bytes of the published public key: the classic algorithm confusion. */
async function hmacWithPublicKey(issuer: ForgeTokenIssuer, as: 'pem' | 'jwk'): Promise<string> {
  const jwk = issuer.current.publicJwk;
  const secret = as === 'pem' ? await exportSPKI((await importJWK(jwk, 'RS256', { extractable: true })) as CryptoKey) : JSON.stringify(jwk);
  return new SignJWT(await claimsOf(issuer)).setProtectedHeader({ alg: 'HS256', kid: issuer.current.kid, typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

type Forgery = [name: string, authorization: (issuer: ForgeTokenIssuer) => Promise<string | undefined>];
const bearer = (make: (issuer: ForgeTokenIssuer) => Promise<string>) => async (issuer: ForgeTokenIssuer) => `Bearer ${await make(issuer)}`;

const FORGERIES: Forgery[] = [
  ['no Authorization header', async () => undefined],
  ['a Basic credential', async () => 'Basic YWRtaW46YWRtaW4='],
  ['a token that is not a JWT', async () => 'Bearer not-a-token'],
  ['signed by a key the JWKS does not publish', bearer(async (i) => i.mint({ installationId: FORGED }, await newSigningKey()))],
  ['signed by another key under a published kid', bearer(async (i) => i.mint({ installationId: FORGED }, await newSigningKey(i.current.kid as `${string}-${string}-${string}-${string}-${string}`)))],
  ['alg none, no signature', bearer(async (i) => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(await claimsOf(i))}.`)],
  ['alg none with a kid', bearer(async (i) => `${b64url({ alg: 'none', typ: 'JWT', kid: i.current.kid })}.${b64url(await claimsOf(i))}.`)],
  ['HS256 keyed with the public key PEM', bearer((i) => hmacWithPublicKey(i, 'pem'))],
  ['HS256 keyed with the public JWK', bearer((i) => hmacWithPublicKey(i, 'jwk'))],
  ['RS512 by the right key (only RS256 is allowed)', bearer(async (i) =>
    new SignJWT(await claimsOf(i)).setProtectedHeader({ alg: 'RS512', kid: i.current.kid, typ: 'JWT' }).sign(KeyObject.from(i.current.privateKey)))],
  ['a genuine token with its payload swapped', bearer(async (i) => {
    const [header, , signature] = (await i.mint({ installationId: 'install-a' })).split('.');
    return `${header}.${b64url(await claimsOf(i))}.${signature}`;
  })],
  ['expired a minute ago', bearer((i) => i.mint({ installationId: FORGED, expiresIn: -60 }))],
  ['not valid for another two minutes (nbf)', bearer((i) => i.mint({ installationId: FORGED, notBefore: 120 }))],
  ['for another app (aud)', bearer((i) => i.mint({ installationId: FORGED, audience: 'ari:cloud:ecosystem::app/99999999-0000-0000-0000-000000000000' }))],
  ['from another issuer (iss)', bearer((i) => i.mint({ installationId: FORGED, issuer: 'forge/invocation-token-evil' }))],
  ['without app.installationId', bearer((i) => i.mint({ installationId: null }))],
  ['with an empty app.installationId', bearer((i) => i.mint({ installationId: '' }))],
  ['20 KB long, validly signed', bearer((i) => i.mint({ installationId: FORGED, extra: { padding: 'x'.repeat(20 * 1024) } }))],
];

const sampleParams = (path: string) => Object.fromEntries([...path.matchAll(/:(\w+)/g)].map((m) => [m[1]!, m[1] === 'issueId' ? '10100' : '00000000-0000-0000-0000-000000000001']));

describe.each(databaseKinds())('token forgery on %s', (kind) => {
  let c: TestCompanion;
  beforeAll(async () => {
    c = await startTestCompanion(kind);
  });
  afterAll(async () => c?.close());

  const send = (method: HttpMethod, path: string, authorization: string | undefined) =>
    c.app.inject({
      method,
      url: fillPath(path, sampleParams(path)),
      headers: { ...(authorization ? { authorization } : {}), ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' }) },
      ...(method === 'GET' || method === 'DELETE' ? {} : { payload: '{}' }),
    });

  it.each(FORGERIES)('refuses a token %s on every /v1 route with 401', async (_name, make) => {
    const counts = await contentReader(c.db);
    const before = await counts();
    const routes = v1RoutesOf(c.app);
    expect(routes.length).toBeGreaterThan(5);
    const authorization = await make(c.issuer);
    for (const route of routes) {
      const [method, path] = route.split(' ') as [HttpMethod, string];
      const res = await send(method, path, authorization);
      expect(res.statusCode, `${route}: ${res.body}`).toBe(401);
      expect(hasErrorShape(res.body), route).toBe(true);
      expect(res.json().error.code).toBe('unauthorized');
    }
    expect(await counts()).toEqual(before);
    expect(await c.db.tenant.count({ where: { installationId: FORGED } })).toBe(0);
  });

  it('the content check these suites rely on sees an UPDATE that keeps every row count', async () => {
    const counts = await contentReader(c.db);
    const created = await c.call('POST', '/v1/admin/datasources', { installationId: 'content-check', body: staticDatasourceBody('Before') });
    expect(created.statusCode, created.body).toBe(201);
    const before = await counts();
    const renamed = await c.call('PUT', `/v1/admin/datasources/${created.json().id}`, { installationId: 'content-check', body: { ...staticDatasourceBody('After'), version: created.json().version } });
    expect(renamed.statusCode, renamed.body).toBe(200);
    const after = await counts();
    expect(after.Datasource).not.toBe(before.Datasource);
    expect(after.Datasource!.split(':')[0]).toBe(before.Datasource!.split(':')[0]);
    // Reading twice with nothing in between gives the same answer (the check is not noise).
    expect(await counts()).toEqual(after);
  });

  it('accepts the same token when it is genuine (the matrix is not refusing everything)', async () => {
    const res = await send('GET', '/v1/admin/datasources', `Bearer ${await c.issuer.mint({ installationId: 'genuine' })}`);
    expect(res.statusCode).toBe(200);
    expect(decodeJwt(await c.issuer.mint()).aud).toBe(TEST_APP_ID);
  });

  it.each(CALLERS)('takes a genuine token of %s on exactly the routes that accept it, and stores nothing when refused', async (caller) => {
    // The installation exists already: a refused call must not even create it.
    expect((await send('GET', '/v1/admin/datasources', `Bearer ${await c.issuer.mint({ installationId: 'install-callers' })}`)).statusCode).toBe(200);
    const authorization = `Bearer ${await c.issuer.mint(callerClaims(caller, 'install-callers'))}`;
    const counts = await contentReader(c.db);
    const refused = ROUTE_TABLE.filter((e) => !acceptedBy(e).includes(caller));
    const before = await counts();
    for (const entry of refused) {
      const [method, path] = entry.key.split(' ') as [HttpMethod, string];
      const res = await send(method, path, authorization);
      expect(res.statusCode, `${entry.key} as ${caller}: ${res.body}`).toBe(403);
      expect(hasErrorShape(res.body), entry.key).toBe(true);
    }
    expect(await counts()).toEqual(before);
    for (const entry of ROUTE_TABLE.filter((e) => acceptedBy(e).includes(caller))) {
      const [method, path] = entry.key.split(' ') as [HttpMethod, string];
      const res = await send(method, path, authorization);
      expect([401, 403], `${entry.key} as ${caller}: ${res.body}`).not.toContain(res.statusCode);
    }
  });

  it('gives every admin route to the admin callers only, and each platform endpoint to its own delivery only', () => {
    for (const entry of ROUTE_TABLE) {
      if (entry.key.split(' ')[1]!.startsWith('/v1/admin/')) expect(acceptedBy(entry), entry.key).toEqual(['admin', 'adminResolver']);
    }
    const only = (key: string) => ROUTE_TABLE.find((e) => e.key === key)?.accepts;
    expect(only('POST /v1/lifecycle')).toEqual(['lifecycle']);
    expect(only('POST /v1/lifecycle/uninstall')).toEqual(['uninstall']);
    expect(only('POST /v1/events/jira')).toEqual(['trigger']);
  });
});
