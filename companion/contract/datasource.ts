import { Type, type Static } from 'typebox';
import { callerContextProperty, Timestamp } from './common';

export const DatasourceType = Type.Union([
  Type.Literal('rest'),
  Type.Literal('jira'),
  Type.Literal('postgresql'),
  Type.Literal('mysql'),
  Type.Literal('static'),
]);
export type DatasourceType = Static<typeof DatasourceType>;

/** Names of the write-only secrets a datasource may carry. */
export const SECRET_NAMES = ['password', 'token', 'apiKey', 'clientSecret'] as const;
export type SecretName = (typeof SECRET_NAMES)[number];

export const DatasourceSecrets = Type.Object(
  {
    password: Type.Optional(Type.String({ maxLength: 4096 })),
    token: Type.Optional(Type.String({ maxLength: 8192 })),
    apiKey: Type.Optional(Type.String({ maxLength: 4096 })),
    clientSecret: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);
export type DatasourceSecrets = Static<typeof DatasourceSecrets>;

/** What a response says about secrets: only whether each is set. */
export const SecretFlags = Type.Object(
  {
    password: Type.Optional(Type.Boolean()),
    token: Type.Optional(Type.Boolean()),
    apiKey: Type.Optional(Type.Boolean()),
    clientSecret: Type.Optional(Type.Boolean()),
    /** Custom headers that carry credentials (write-only too): `{"X-Api-Token": true}`. */
    headers: Type.Optional(Type.Record(Type.String(), Type.Literal(true))),
  },
  { additionalProperties: false },
);

const Config = Type.Record(Type.String({ maxLength: 100 }), Type.Unknown());

export const DatasourceInput = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    type: DatasourceType,
    config: Type.Optional(Config),
    secrets: Type.Optional(DatasourceSecrets),
    cacheTtlSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400 })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 20000 })),
    ...callerContextProperty,
  },
  { additionalProperties: false },
);
export type DatasourceInput = Static<typeof DatasourceInput>;

/**
 * PUT: the whole datasource plus the version read. Omitted secrets stay as they are; null removes one.
 * Credential headers (write-only, absent from answers) stay unless `config.headers` gives them again
 * or `secrets.headers` removes them. Changing where it connects needs every kept secret again (422).
 */
export const DatasourceUpdate = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    type: DatasourceType,
    config: Type.Optional(Config),
    secrets: Type.Optional(
      Type.Object(
        {
          password: Type.Optional(Type.Union([Type.String({ maxLength: 4096 }), Type.Null()])),
          token: Type.Optional(Type.Union([Type.String({ maxLength: 8192 }), Type.Null()])),
          apiKey: Type.Optional(Type.Union([Type.String({ maxLength: 4096 }), Type.Null()])),
          clientSecret: Type.Optional(Type.Union([Type.String({ maxLength: 4096 }), Type.Null()])),
          /** Removes stored credential headers (`{"X-Api-Token": null}`); to change one, give it in `config.headers`. */
          headers: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Type.Null(), { maxProperties: 20 })),
        },
        { additionalProperties: false },
      ),
    ),
    cacheTtlSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 86400 })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 20000 })),
    ...callerContextProperty,
  },
  { additionalProperties: false },
);
export type DatasourceUpdate = Static<typeof DatasourceUpdate>;

export const Datasource = Type.Object({
  id: Type.String(),
  name: Type.String(),
  type: DatasourceType,
  config: Config,
  secrets: SecretFlags,
  cacheTtlSeconds: Type.Integer(),
  timeoutMs: Type.Integer(),
  version: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Datasource = Static<typeof Datasource>;

export const DatasourceList = Type.Object({
  datasources: Type.Array(Datasource),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

export const ConnectionTestResult = Type.Object({ ok: Type.Boolean(), ms: Type.Number(), message: Type.String() });
export type ConnectionTestResult = Static<typeof ConnectionTestResult>;

/** Per-type configuration, checked when a datasource is saved. */
const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const HeaderMap = Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Type.String({ maxLength: 4096 }), {
  maxProperties: 20,
});
export const RestAuth = Type.Union([
  Type.Object({ mode: Type.Literal('none') }, { additionalProperties: false }),
  Type.Object({ mode: Type.Literal('basic'), username: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
  Type.Object({ mode: Type.Literal('bearer') }, { additionalProperties: false }),
  Type.Object(
    {
      mode: Type.Literal('apiKey'),
      in: Type.Union([Type.Literal('header'), Type.Literal('query')]),
      name: Type.String({ minLength: 1, maxLength: 200 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      mode: Type.Literal('oauth2ClientCredentials'),
      tokenUrl: Type.String({ pattern: '^https?://', maxLength: 2000 }),
      clientId: Type.String({ minLength: 1, maxLength: 500 }),
      scope: Type.Optional(Type.String({ maxLength: 2000 })),
    },
    { additionalProperties: false },
  ),
]);
export type RestAuth = Static<typeof RestAuth>;

export const RestConfig = Type.Object(
  {
    baseUrl: Type.String({ pattern: '^https?://[^\\s]+$', maxLength: 2000 }),
    testPath: Type.Optional(Type.String({ maxLength: 2000 })),
    method: Type.Optional(Type.Union([Type.Literal('GET'), Type.Literal('POST')])),
    headers: Type.Optional(HeaderMap),
    auth: Type.Optional(RestAuth),
  },
  { additionalProperties: false },
);
export type RestConfig = Static<typeof RestConfig>;

export const SqlConfig = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 255 }),
    port: Type.Optional(Port),
    database: Type.String({ minLength: 1, maxLength: 200 }),
    user: Type.String({ minLength: 1, maxLength: 200 }),
    schema: Type.Optional(Type.String({ maxLength: 200 })),
    poolSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
    ssl: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type SqlConfig = Static<typeof SqlConfig>;

export const JiraConfig = Type.Object({}, { additionalProperties: false });

export const StaticConfig = Type.Object(
  {
    format: Type.Union([Type.Literal('json'), Type.Literal('csv')]),
    /** JSON: an array of rows (objects); CSV: a header line, then rows. */
    data: Type.String({ maxLength: 1_000_000 }),
  },
  { additionalProperties: false },
);
export type StaticConfig = Static<typeof StaticConfig>;

export const CONFIG_SCHEMAS = {
  rest: RestConfig,
  jira: JiraConfig,
  postgresql: SqlConfig,
  mysql: SqlConfig,
  static: StaticConfig,
} as const;
