// The datasource form's state and its translation to the companion's body. Secrets are write-only:
// an empty secret box on edit leaves the stored secret as it is.
export interface DatasourceDraft {
  id?: string;
  version?: number;
  name: string;
  type: string;
  baseUrl: string;
  testPath: string;
  authMode: string;
  username: string;
  host: string;
  port: string;
  database: string;
  user: string;
  secret: string;
  cacheTtlSeconds: string;
  /** Which secrets the stored datasource has (from the companion's `secrets` flags). */
  secretsSet: string[];
}

export const emptyDatasource = (): DatasourceDraft => ({
  name: '',
  type: 'rest',
  baseUrl: '',
  testPath: '',
  authMode: 'none',
  username: '',
  host: '',
  port: '',
  database: '',
  user: '',
  secret: '',
  cacheTtlSeconds: '300',
  secretsSet: [],
});

export interface StoredDatasource {
  id: string;
  version: number;
  name: string;
  type: string;
  config: Record<string, unknown>;
  secrets: Record<string, boolean>;
  cacheTtlSeconds: number;
}

export function draftFrom(ds: StoredDatasource): DatasourceDraft {
  const c = ds.config as Record<string, string | number | { mode?: string; username?: string } | undefined>;
  const auth = (c.auth ?? {}) as { mode?: string; username?: string };
  return {
    ...emptyDatasource(),
    id: ds.id,
    version: ds.version,
    name: ds.name,
    type: ds.type,
    baseUrl: String(c.baseUrl ?? ''),
    testPath: String(c.testPath ?? ''),
    authMode: auth.mode ?? 'none',
    username: auth.username ?? '',
    host: String(c.host ?? ''),
    port: c.port === undefined ? '' : String(c.port),
    database: String(c.database ?? ''),
    user: String(c.user ?? ''),
    cacheTtlSeconds: String(ds.cacheTtlSeconds),
    secretsSet: Object.keys(ds.secrets).filter((k) => ds.secrets[k]),
  };
}

/** The secret the chosen auth mode needs (DESIGN.md), if any. */
export function secretNameFor(d: Pick<DatasourceDraft, 'type' | 'authMode'>): string | undefined {
  if (d.type === 'postgresql' || d.type === 'mysql') return 'password';
  if (d.type !== 'rest') return undefined;
  return ({ basic: 'password', bearer: 'token', apiKey: 'apiKey', oauth2ClientCredentials: 'clientSecret' } as Record<string, string>)[d.authMode];
}

export function bodyFrom(d: DatasourceDraft): Record<string, unknown> {
  let config: Record<string, unknown> = {};
  if (d.type === 'rest') {
    const auth = d.authMode === 'basic' ? { mode: 'basic', username: d.username } : { mode: d.authMode };
    config = { baseUrl: d.baseUrl, ...(d.testPath ? { testPath: d.testPath } : {}), auth };
  } else if (d.type === 'postgresql' || d.type === 'mysql') {
    config = { host: d.host, database: d.database, user: d.user, ...(d.port ? { port: Number(d.port) } : {}) };
  }
  const secretName = secretNameFor(d);
  return {
    ...(d.version !== undefined ? { version: d.version } : {}),
    name: d.name,
    type: d.type,
    config,
    ...(secretName && d.secret ? { secrets: { [secretName]: d.secret } } : {}),
    cacheTtlSeconds: Number(d.cacheTtlSeconds || 300),
  };
}
