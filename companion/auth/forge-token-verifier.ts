// Verifies Forge Invocation Tokens (FIT): RS256 against Atlassian's JWKS (cached by jose, refetched
// when a token names an unknown `kid`), `iss` = forge/invocation-token, `aud` = the app's ARI.
import { createRemoteJWKSet, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import { unauthorized } from '../errors.js';

export const FORGE_TOKEN_ISSUER = 'forge/invocation-token';
const MAX_TOKEN_LENGTH = 16 * 1024;

/** What the companion knows about a caller once its token is verified. */
export interface Invocation {
  installationId: string;
  apiBaseUrl: string | undefined;
  cloudId: string | undefined;
  environment: string | undefined;
  moduleKey: string | undefined;
  moduleType: string | undefined;
  licenseActive: boolean | undefined;
  /** The user's account id (UI calls only). */
  principal: string | undefined;
}

export interface VerifierOptions {
  jwksUrl: string;
  appId: string | undefined;
  /** How long after a fetch jose waits before refetching on an unknown kid (ms). */
  cooldownMs?: number;
  /** How long a fetched key set is trusted before it is refetched anyway (ms). */
  cacheMaxAgeMs?: number;
}

export type TokenVerifier = (token: string) => Promise<Invocation>;

export function createForgeTokenVerifier(options: VerifierOptions): TokenVerifier {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
    timeoutDuration: 5_000,
  });
  return async (token) => {
    if (token.length > MAX_TOKEN_LENGTH) throw unauthorized('The token is too large');
    if (!options.appId) throw unauthorized('FORGE_APP_ID is not configured: no token can be accepted');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        algorithms: ['RS256'],
        issuer: FORGE_TOKEN_ISSUER,
        audience: options.appId,
        requiredClaims: ['exp', 'iat'],
        clockTolerance: 5,
      }));
    } catch (error) {
      throw unauthorized(describe(error));
    }
    return toInvocation(payload);
  };
}

function describe(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `The token's ${error.claim} claim is not acceptable`;
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'The token is not signed by a trusted key';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'The token signature is invalid';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'The token algorithm is not allowed';
  if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JOSEError) {
    return 'The token could not be verified';
  }
  return 'The token could not be verified';
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

function toInvocation(payload: JWTPayload): Invocation {
  const app = obj(payload.app);
  const installationId = str(app.installationId);
  if (!installationId || installationId.length > 300) throw unauthorized('The token has no app.installationId');
  const contexts = obj(app.installation).contexts;
  const firstContext = Array.isArray(contexts) ? obj(contexts[0]) : {};
  const environment = obj(app.environment);
  const module = obj(app.module);
  const license = obj(app.license);
  const principal = payload.principal;
  return {
    installationId,
    apiBaseUrl: str(app.apiBaseUrl),
    cloudId: str(firstContext.cloudId),
    environment: str(environment.type) ?? str(app.environment),
    moduleKey: str(module.key),
    moduleType: str(module.type),
    licenseActive: typeof license.isActive === 'boolean' ? license.isActive : undefined,
    principal: str(principal) ?? str(obj(principal).accountId),
  };
}
