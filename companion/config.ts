// Configuration, read from the environment once at start-up, validated and typed (STYLE.md rule 4).
// Nothing else in the companion reads process.env.
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import ipaddr from 'ipaddr.js';
import { MAX_DEADLINE_MS } from './deadline.js';

const Env = Type.Object({
  NODE_ENV: Type.Optional(Type.String()),
  PORT: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
  HOST: Type.Optional(Type.String({ minLength: 1 })),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  DATA_DIR: Type.Optional(Type.String({ minLength: 1 })),
  COMPANION_ENCRYPTION_KEY: Type.Optional(Type.String()),
  COMPANION_ENCRYPTION_KEY_ID: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,40}$' })),
  COMPANION_PREVIOUS_KEYS: Type.Optional(Type.String()),
  FORGE_APP_ID: Type.Optional(Type.String()),
  FORGE_JWKS_URL: Type.Optional(Type.String({ pattern: '^https?://' })),
  COMPANION_ADMIN_MODULE_KEYS: Type.Optional(Type.String()),
  COMPANION_FUNCTION_MODULE_KEYS: Type.Optional(Type.String()),
  COMPANION_EGRESS_ALLOW: Type.Optional(Type.String()),
  DATABASE_POOL_SIZE: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
  DATABASE_CONNECT_TIMEOUT_MS: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$' })),
  LOG_LEVEL: Type.Optional(
    Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l))),
  ),
  PURGE_INTERVAL_SECONDS: Type.Optional(Type.String({ pattern: '^[0-9]{1,7}$' })),
  SQL_POOL_IDLE_SECONDS: Type.Optional(Type.String({ pattern: '^[0-9]{1,6}$' })),
  METRICS_PORT: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
  METRICS_HOST: Type.Optional(Type.String({ minLength: 1 })),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 16, maxLength: 512, pattern: '^[\\x21-\\x7e]+$' })),
  COMPANION_DEADLINE_MS: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
});
type Env = Static<typeof Env>;

export const DEFAULT_JWKS_URL = 'https://forge.cdn.prod.atlassian-dev.net/.well-known/jwks.json';
/** The manifest's admin page module and the admin resolver function (manifest.yml). */
export const DEFAULT_ADMIN_MODULE_KEYS = ['open-connect-admin', 'admin-resolver'];
/**
 * The app's own functions (manifest.yml): a call they make with `invokeRemote` carries no `principal`,
 * so the user they put in the body (Forge's `context.accountId`) is believed for them only.
 */
// `automation-refresh` and `automation-set` (Automation rule steps), `field-value` (the read-only types' value function) and
// `jql-functions` (connectedValue) call the field automation routes; only the Automation steps name a user.
export const DEFAULT_FUNCTION_MODULE_KEYS = ['admin-resolver', 'field-resolver', 'search-suggestions', 'automation-refresh', 'automation-set', 'field-value', 'jql-functions'];
/**
 * The platform's own deliveries, per route: a trigger's or preUninstall's token names the endpoint
 * (`app.module.key`, "the Forge module key for this endpoint"); the module that points at it is
 * accepted too, so either reading of the docs lets the genuine event in and nothing else.
 */
export const PLATFORM_ENDPOINT_KEYS = {
  lifecycle: ['companion-lifecycle', 'open-connect-lifecycle'],
  uninstall: ['companion-uninstall', 'open-connect-uninstall'],
  jiraEvents: ['companion-issue-events', 'open-connect-issue-deleted'],
} as const;
export type PlatformEndpoint = keyof typeof PLATFORM_ENDPOINT_KEYS;

export interface Config {
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  /** undefined: the embedded Postgres (PGlite) under `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly databasePoolSize: number;
  /** How long a new database connection may take before the request answers 503 (ms). */
  readonly databaseConnectTimeoutMs: number;
  readonly dataDir: string;
  /** base64 of 32 bytes; undefined outside production means "generate one under dataDir". */
  readonly encryptionKey: string | undefined;
  readonly encryptionKeyId: string;
  /** Older keys, still able to decrypt: `kid:base64,kid:base64`. */
  readonly previousKeys: ReadonlyArray<{ id: string; key: string }>;
  readonly forgeAppId: string | undefined;
  readonly jwksUrl: string;
  readonly adminModuleKeys: ReadonlySet<string>;
  readonly functionModuleKeys: ReadonlySet<string>;
  readonly platformEndpointKeys: Readonly<Record<PlatformEndpoint, ReadonlySet<string>>>;
  readonly egressAllow: readonly string[];
  readonly logLevel: string;
  readonly purgeIntervalSeconds: number;
  /** A SQL datasource's pool unused for this long is closed (a datasource deleted elsewhere, or idle). */
  readonly sqlPoolIdleSeconds: number;
  /** GET /metrics on a listener of its own; undefined: not served at all. */
  readonly metrics: { port: number; host: string; token: string | undefined } | undefined;
  /** The one budget of a runtime or admin request that calls upstreams (companion/deadline.ts). */
  readonly deadlineMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(Env.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  const problems = [...Value.Errors(Env, picked)].map((e) => `${e.instancePath.slice(1) || 'env'} ${e.message}`);
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  const e = picked as Env;
  const production = e.NODE_ENV === 'production';
  if (production && !e.COMPANION_ENCRYPTION_KEY) {
    throw new ConfigError('COMPANION_ENCRYPTION_KEY is required when NODE_ENV=production');
  }
  if (production && !e.FORGE_APP_ID) throw new ConfigError('FORGE_APP_ID is required when NODE_ENV=production');
  // The key set decides which tokens are believed: in production it is fetched over TLS only.
  if (production && e.FORGE_JWKS_URL && !e.FORGE_JWKS_URL.startsWith('https://')) {
    throw new ConfigError('FORGE_JWKS_URL must be an https:// URL when NODE_ENV=production');
  }
  if (e.COMPANION_ENCRYPTION_KEY) assertKey('COMPANION_ENCRYPTION_KEY', e.COMPANION_ENCRYPTION_KEY);
  const previousKeys = list(e.COMPANION_PREVIOUS_KEYS).map((entry) => {
    const at = entry.indexOf(':');
    if (at < 1) throw new ConfigError('COMPANION_PREVIOUS_KEYS entries are kid:base64');
    const key = { id: entry.slice(0, at), key: entry.slice(at + 1) };
    assertKey(`COMPANION_PREVIOUS_KEYS (${key.id})`, key.key);
    return key;
  });
  const port = Number(e.PORT ?? 8080);
  if (port > 65535) throw new ConfigError('PORT must be at most 65535');
  const adminKeys = list(e.COMPANION_ADMIN_MODULE_KEYS);
  const functionKeys = list(e.COMPANION_FUNCTION_MODULE_KEYS);
  const metrics = metricsListener(e);
  const deadlineMs = Number(e.COMPANION_DEADLINE_MS ?? MAX_DEADLINE_MS);
  if (deadlineMs < 1000 || deadlineMs > MAX_DEADLINE_MS) {
    throw new ConfigError(`COMPANION_DEADLINE_MS must be from 1000 to ${MAX_DEADLINE_MS} (Forge stops a resolver after 25 s)`);
  }
  return {
    production,
    port,
    host: e.HOST ?? '127.0.0.1',
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: Number(e.DATABASE_POOL_SIZE ?? 10) || 10,
    databaseConnectTimeoutMs: Number(e.DATABASE_CONNECT_TIMEOUT_MS ?? 3000) || 3000,
    dataDir: e.DATA_DIR ?? '.data',
    encryptionKey: e.COMPANION_ENCRYPTION_KEY,
    encryptionKeyId: e.COMPANION_ENCRYPTION_KEY_ID ?? 'k1',
    previousKeys,
    forgeAppId: e.FORGE_APP_ID,
    jwksUrl: e.FORGE_JWKS_URL ?? DEFAULT_JWKS_URL,
    adminModuleKeys: new Set(adminKeys.length > 0 ? adminKeys : DEFAULT_ADMIN_MODULE_KEYS),
    functionModuleKeys: new Set(functionKeys.length > 0 ? functionKeys : DEFAULT_FUNCTION_MODULE_KEYS),
    platformEndpointKeys: {
      lifecycle: new Set(PLATFORM_ENDPOINT_KEYS.lifecycle),
      uninstall: new Set(PLATFORM_ENDPOINT_KEYS.uninstall),
      jiraEvents: new Set(PLATFORM_ENDPOINT_KEYS.jiraEvents),
    },
    egressAllow: list(e.COMPANION_EGRESS_ALLOW),
    logLevel: e.LOG_LEVEL ?? (production ? 'info' : 'info'),
    purgeIntervalSeconds: Number(e.PURGE_INTERVAL_SECONDS ?? 3600),
    sqlPoolIdleSeconds: Math.max(1, Number(e.SQL_POOL_IDLE_SECONDS ?? 600)),
    metrics,
    deadlineMs,
  };
}

/**
 * Metrics name every tenant's and datasource's id: served only on their own port, on loopback unless
 * told otherwise, and never beyond loopback without a token.
 */
function metricsListener(e: Env): Config['metrics'] {
  if (e.METRICS_PORT === undefined) {
    if (e.METRICS_HOST !== undefined || e.METRICS_TOKEN !== undefined) throw new ConfigError('METRICS_HOST and METRICS_TOKEN need METRICS_PORT');
    return undefined;
  }
  const port = Number(e.METRICS_PORT);
  if (port > 65535) throw new ConfigError('METRICS_PORT must be at most 65535');
  const host = e.METRICS_HOST ?? '127.0.0.1';
  if (!isLoopback(host) && e.METRICS_TOKEN === undefined) {
    throw new ConfigError('METRICS_TOKEN is required when METRICS_HOST is not a loopback address');
  }
  return { port, host, token: e.METRICS_TOKEN };
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const bare = host.replace(/^\[|\]$/g, '');
  return ipaddr.isValid(bare) && ipaddr.process(bare).range() === 'loopback';
}

function assertKey(name: string, base64: string): void {
  if (Buffer.from(base64, 'base64').length !== 32) throw new ConfigError(`${name} must be base64 of 32 bytes`);
}
