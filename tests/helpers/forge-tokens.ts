// A stand-in for Atlassian's token issuer: an RS256 key pair, a JWKS served over real HTTP on
// loopback, and tokens shaped like Forge Invocation Tokens. Rotating keys and forging bad tokens are
// part of the kit.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type CryptoKey } from 'jose';
import { randomUUID } from 'node:crypto';

export const TEST_APP_ID = 'ari:cloud:ecosystem::app/11111111-2222-3333-4444-555555555555';
export const ADMIN_MODULE_KEY = 'open-connect-admin';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function newSigningKey(kid = randomUUID()): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicJwk };
}

/**
 * The key pair every issuer starts with, made once per process: an RSA key costs about 0.1 s of CPU
 * and the suites start an issuer (one per companion) about a hundred times. Each issuer publishes
 * it under a kid of its own, so a token from one issuer never verifies at another's companion; every
 * other key (`rotate()`, `newSigningKey()`: rotations, strangers, forgeries) is generated fresh.
 */
let firstKeyPair: Promise<{ privateKey: CryptoKey; publicKey: CryptoKey }> | undefined;

async function firstSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await (firstKeyPair ??= generateKeyPair('RS256', { extractable: true }));
  const kid = randomUUID();
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

export interface TokenClaims {
  installationId?: string | null;
  apiBaseUrl?: string;
  cloudId?: string;
  moduleKey?: string;
  moduleType?: string;
  principal?: string;
  audience?: string;
  issuer?: string;
  /** Seconds from now. */
  expiresIn?: number;
  notBefore?: number;
  extra?: Record<string, unknown>;
}

export class ForgeTokenIssuer {
  private server: Server | undefined;
  readonly published: SigningKey[] = [];
  jwksFetches = 0;

  private constructor(public current: SigningKey) {
    this.published.push(current);
  }

  static async start(): Promise<ForgeTokenIssuer & { jwksUrl: string }> {
    const issuer = new ForgeTokenIssuer(await firstSigningKey());
    issuer.server = createServer((req, res) => {
      issuer.jwksFetches += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: issuer.published.map((k) => k.publicJwk) }));
    });
    await new Promise<void>((resolve) => issuer.server!.listen(0, '127.0.0.1', resolve));
    const { port } = issuer.server!.address() as AddressInfo;
    return Object.assign(issuer, { jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json` });
  }

  /** Publishes a new key and signs with it from now on (the old one stays published). */
  async rotate(): Promise<SigningKey> {
    this.current = await newSigningKey();
    this.published.push(this.current);
    return this.current;
  }

  async mint(claims: TokenClaims = {}, key: SigningKey = this.current, alg = 'RS256'): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const app: Record<string, unknown> = {
      id: TEST_APP_ID,
      apiBaseUrl: claims.apiBaseUrl ?? 'https://api.atlassian.com/ex/jira/cloud-1',
      installation: { contexts: [{ cloudId: claims.cloudId ?? 'cloud-1' }] },
      environment: { type: 'DEVELOPMENT', id: 'env-1' },
      module: { type: claims.moduleType ?? 'xen:macro', key: claims.moduleKey ?? ADMIN_MODULE_KEY },
      license: { isActive: true },
    };
    if (claims.installationId !== null) app.installationId = claims.installationId ?? 'install-a';
    const jwt = new SignJWT({ app, ...(claims.principal ? { principal: claims.principal } : {}), ...claims.extra })
      .setProtectedHeader({ alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(claims.issuer ?? 'forge/invocation-token')
      .setAudience(claims.audience ?? TEST_APP_ID)
      .setIssuedAt(now)
      .setJti(randomUUID())
      .setExpirationTime(now + (claims.expiresIn ?? 25));
    if (claims.notBefore !== undefined) jwt.setNotBefore(now + claims.notBefore);
    return jwt.sign(key.privateKey);
  }

  async stop() {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

// What Forge puts in `app.module` (and `principal`) for each way of calling the companion (Forge docs,
// "The Forge Invocation Token"): a UI module's own call carries its module type and the user; every
// other call is `core:endpoint` with no principal, keyed by the function (a resolver's invokeRemote)
// or by the endpoint Forge delivers an event to.
const backend = (moduleKey: string): TokenClaims => ({ moduleKey, moduleType: 'core:endpoint' });
export const AS_ADMIN_RESOLVER = backend('admin-resolver');
export const AS_FIELD_RESOLVER = backend('field-resolver');
export const AS_LIFECYCLE_ENDPOINT = backend('companion-lifecycle');
export const AS_UNINSTALL_ENDPOINT = backend('companion-uninstall');
export const AS_ISSUE_EVENTS_ENDPOINT = backend('companion-issue-events');
/** A UI module's own token (bridge `requestRemote`): anything in its body came from a browser. */
export const asIssuePanelUser = (principal: string): TokenClaims => ({ moduleKey: 'open-connect-items-panel', moduleType: 'jira:issuePanel', principal });
