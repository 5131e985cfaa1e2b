// The token verifier against a real JWKS served over loopback HTTP that counts its requests:
// the algorithm is pinned to RS256 even when the published key names none, and a flood of tokens
// naming unknown `kid`s makes at most one refetch per cooldown (the key set cannot be used to make
// the companion hammer Atlassian, nor be refreshed at an attacker's pace).
import { KeyObject, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createForgeTokenVerifier } from '../../companion/auth/forge-token-verifier.js';
import { ForgeTokenIssuer, newSigningKey, TEST_APP_ID, type SigningKey } from '../helpers/forge-tokens.js';

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e as { statusCode: number; code: string; message: string },
  );
  expect(error, 'the token was accepted').not.toBeNull();
  return { statusCode: error!.statusCode, code: error!.code, message: error!.message };
};

describe('Forge token verifier', () => {
  let issuer: ForgeTokenIssuer & { jwksUrl: string };
  beforeAll(async () => {
    issuer = await ForgeTokenIssuer.start();
  });
  afterAll(async () => issuer?.stop());
  afterEach(() => {
    vi.useRealTimers();
  });

  it('accepts only RS256, even with a published key that names no alg', async () => {
    const bare = await newSigningKey();
    delete bare.publicJwk.alg;
    issuer.published.push(bare);
    const verify = createForgeTokenVerifier({ jwksUrl: issuer.jwksUrl, appId: TEST_APP_ID });
    // The key itself is trusted: RS256 with it passes.
    expect((await verify(await issuer.mint({}, bare))).installationId).toBe('install-a');
    // The same RSA key, other algorithms a key without `alg` would allow.
    const anyUse: SigningKey = { ...bare, privateKey: KeyObject.from(bare.privateKey) as unknown as SigningKey['privateKey'] };
    for (const alg of ['RS384', 'RS512', 'PS256', 'PS512']) {
      expect(await refusal(verify(await issuer.mint({}, anyUse, alg))), alg).toEqual({ statusCode: 401, code: 'unauthorized', message: 'The token algorithm is not allowed' });
    }
  });

  it('refetches the key set at most once per cooldown however many unknown kids arrive', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-01T12:00:00Z'));
    const verify = createForgeTokenVerifier({ jwksUrl: issuer.jwksUrl, appId: TEST_APP_ID });
    const stranger = await newSigningKey();
    const flood = async () => {
      const tokens = await Promise.all(Array.from({ length: 60 }, () => issuer.mint({}, { ...stranger, kid: randomUUID() })));
      const outcomes = await Promise.all(tokens.map((t) => refusal(verify(t))));
      for (const o of outcomes) expect(o).toEqual({ statusCode: 401, code: 'unauthorized', message: 'The token is not signed by a trusted key' });
    };
    const start = issuer.jwksFetches;
    await verify(await issuer.mint());
    expect(issuer.jwksFetches).toBe(start + 1);

    // Inside the cooldown (30 s) that follows a fetch: no refetch at all.
    await flood();
    expect(issuer.jwksFetches).toBe(start + 1);
    vi.setSystemTime(Date.now() + 29_000);
    await flood();
    expect(issuer.jwksFetches).toBe(start + 1);

    // Past it: one refetch for the whole flood, then none again until the next cooldown ends.
    vi.setSystemTime(Date.now() + 1_001);
    await flood();
    expect(issuer.jwksFetches).toBe(start + 2);
    await flood();
    expect(issuer.jwksFetches).toBe(start + 2);

    // A genuine new key after the cooldown is still picked up with a single fetch.
    vi.setSystemTime(Date.now() + 30_001);
    const rotated = await issuer.rotate();
    expect((await verify(await issuer.mint({}, rotated))).installationId).toBe('install-a');
    expect(issuer.jwksFetches).toBe(start + 3);
  });
});
