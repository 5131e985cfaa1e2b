// Credential headers of a REST datasource (X-Api-Token, Cookie…) are encrypted at rest like the named
// secrets: after a create, a PUT and an import their values are in no table (every table dumped),
// yet the connector still sends them to a real loopback upstream; a tampered envelope is a 422.
// Rows written before they were encrypted (plain values in config.headers) keep working and are
// encrypted by their next write and by key rotation (the function and `npm run rotate-keys` itself).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { startSampleUpstream, type SampleUpstream } from '../helpers/sample-upstream.js';
import { dumpAllTables } from '../proof/support/row-counts.js';
import { createDatasource, createField, expectNoSecretInLogs, preview, testConnection } from './connector-fixtures.js';
import { SecretBox } from '../../companion/crypto/secret-box.js';
import { reencryptSecrets } from '../../companion/crypto/reencrypt-secrets.js';
import { datasourceService } from '../../companion/datasources/datasource-service.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

const TOKEN = 'at-rest-header-token-4h7q';
const COOKIE = 'session=at-rest-cookie-9w2e';
const NEW_TOKEN = 'at-rest-header-new-token-1z8k';
const PASSWORD = 'at-rest-password-6c3v';
const LEGACY = 'at-rest-legacy-token-5n0p';
const IMPORTED = 'at-rest-imported-token-7r3m';
const ROTATED_LEGACY = 'at-rest-rotated-legacy-2b6x';
const COMMAND_LEGACY = 'at-rest-command-legacy-8d1s';
const COMMAND_SEALED = 'at-rest-command-sealed-3f9j';
const ALL = [TOKEN, COOKIE, NEW_TOKEN, PASSWORD, LEGACY, IMPORTED, ROTATED_LEGACY, COMMAND_LEGACY, COMMAND_SEALED];

// Envelopes as plain JSON objects (what the secrets column holds), so a test can write them back.
type EnvelopeJson = { kid: string; iv: string; tag: string; ct: string };
type Stored = { config: { headers?: Record<string, string> }; secrets: Record<string, EnvelopeJson> };

describe.each(databaseKinds())('credential headers at rest on %s', (kind) => {
  let c: TestCompanion;
  let up: SampleUpstream;
  const crm = (headers: Record<string, string> = { 'X-Api-Token': TOKEN, Cookie: COOKIE, 'X-Tenant': 'blue' }) => ({
    name: `CRM ${randomBytes(3).toString('hex')}`,
    type: 'rest',
    config: { baseUrl: up.url, testPath: '/health', headers, auth: { mode: 'basic', username: 'svc' } },
    secrets: { password: PASSWORD },
  });
  const stored = async (id: string) => (await c.db.datasource.findUniqueOrThrow({ where: { id } })) as unknown as Stored & { tenantId: string };
  const view = async (id: string) => (await c.call('GET', `/v1/admin/datasources/${id}`)).json();
  /** Every table's contents contain none of `values`. */
  const expectInNoTable = async (values: string[]) => {
    const tables = await dumpAllTables(c.db);
    for (const [table, text] of Object.entries(tables)) for (const v of values) expect(text.includes(v), `${table} holds ${v}`).toBe(false);
  };
  const lastSent = () => up.requests.at(-1)!.headers;
  /** Puts a row in the shape written before credential headers were encrypted: plain in config.headers. */
  const makeLegacy = async (id: string, value: string) => {
    const row = await stored(id);
    const secrets = Object.fromEntries(Object.entries(row.secrets).filter(([name]) => !name.startsWith('headers.')));
    await c.db.datasource.update({ where: { id }, data: { config: { ...row.config, headers: { ...row.config.headers, 'X-Api-Token': value } }, secrets } });
  };

  beforeAll(async () => {
    up = await startSampleUpstream();
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
  });
  afterAll(async () => {
    await c?.close();
    await up?.close();
  });

  it('stores a created credential header only as an envelope of its own, and the connector still sends it', async () => {
    const id = await createDatasource(c, crm());
    const row = await stored(id);
    expect(row.config.headers).toEqual({ 'X-Tenant': 'blue' });
    expect(Object.keys(row.secrets).sort()).toEqual(['headers.Cookie', 'headers.X-Api-Token', 'password']);
    expect(row.secrets['headers.X-Api-Token']).toMatchObject({ kid: 'k1', iv: expect.any(String), tag: expect.any(String), ct: expect.any(String) });
    await expectInNoTable([TOKEN, COOKIE, PASSWORD]);

    const got = await view(id);
    expect(got.config.headers).toEqual({ 'X-Tenant': 'blue' });
    expect(got.secrets).toEqual({ password: true, headers: { 'X-Api-Token': true, Cookie: true } });
    expect((await testConnection(c, id)).json()).toMatchObject({ ok: true });
    expect(lastSent()).toMatchObject({ 'x-api-token': TOKEN, cookie: COOKIE, 'x-tenant': 'blue' });
    expect(lastSent().authorization).toBe(`Basic ${Buffer.from(`svc:${PASSWORD}`).toString('base64')}`);

    const export_ = await c.call('GET', '/v1/admin/export');
    expect(export_.body).not.toContain(TOKEN);
    expect(export_.json().datasources.find((d: { id: string }) => d.id === id).secretsToEnter).toEqual(['password', 'headers.Cookie', 'headers.X-Api-Token']);
  });

  it('keeps it encrypted through a PUT that keeps it, one that replaces it and one that removes it', async () => {
    const id = await createDatasource(c, crm());
    const before = await stored(id);
    const first = await view(id);
    const kept = await c.call('PUT', `/v1/admin/datasources/${id}`, { body: { name: 'Renamed', type: 'rest', config: first.config, version: first.version } });
    expect(kept.statusCode, kept.body).toBe(200);
    expect(kept.json().secrets).toEqual({ password: true, headers: { 'X-Api-Token': true, Cookie: true } });
    const afterKeep = await stored(id);
    // Kept as it was: the same envelope, not re-encrypted.
    expect(afterKeep.secrets['headers.X-Api-Token']).toEqual(before.secrets['headers.X-Api-Token']);
    expect(afterKeep.config.headers).toEqual({ 'X-Tenant': 'blue' });
    await expectInNoTable([TOKEN, COOKIE, PASSWORD]);
    expect((await testConnection(c, id)).json()).toMatchObject({ ok: true });
    expect(lastSent()).toMatchObject({ 'x-api-token': TOKEN, cookie: COOKIE });

    // Given again (in another case): replaced, under the name given.
    const replaced = await c.call('PUT', `/v1/admin/datasources/${id}`, {
      body: { name: 'Renamed', type: 'rest', config: { ...first.config, headers: { ...first.config.headers, 'x-api-token': NEW_TOKEN } }, version: kept.json().version },
    });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(replaced.json().secrets).toEqual({ password: true, headers: { 'x-api-token': true, Cookie: true } });
    expect(replaced.json().config.headers).toEqual({ 'X-Tenant': 'blue' });
    expect(Object.keys((await stored(id)).secrets).sort()).toEqual(['headers.Cookie', 'headers.x-api-token', 'password']);
    await expectInNoTable([TOKEN, NEW_TOKEN, COOKIE, PASSWORD]);
    expect((await testConnection(c, id)).json()).toMatchObject({ ok: true });
    expect(lastSent()).toMatchObject({ 'x-api-token': NEW_TOKEN, cookie: COOKIE });

    const removed = await c.call('PUT', `/v1/admin/datasources/${id}`, {
      body: { name: 'Renamed', type: 'rest', config: first.config, secrets: { headers: { COOKIE: null } }, version: replaced.json().version },
    });
    expect(removed.statusCode, removed.body).toBe(200);
    expect(removed.json().secrets).toEqual({ password: true, headers: { 'x-api-token': true } });
    expect(Object.keys((await stored(id)).secrets).sort()).toEqual(['headers.x-api-token', 'password']);
    expect((await testConnection(c, id)).json()).toMatchObject({ ok: true });
    expect(lastSent().cookie).toBeUndefined();
    expect(lastSent()['x-api-token']).toBe(NEW_TOKEN);

    // More than 20 headers counting the kept ones is still refused, as when they were in the config.
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`X-H${i}`, 'v']));
    const tooMany = await c.call('PUT', `/v1/admin/datasources/${id}`, { body: { name: 'Renamed', type: 'rest', config: { ...first.config, headers: many }, version: removed.json().version } });
    expect(tooMany.statusCode, tooMany.body).toBe(400);
    expect(tooMany.json().error.code).toBe('validation_failed');
  });

  it('encrypts the credential headers a (hand-written) import document gives, and keeps them through a replacing import', async () => {
    const tenant = { installationId: `at-rest-import-${kind}` };
    const id = await createDatasource(c, crm(), tenant);
    const doc = (await c.call('GET', '/v1/admin/export', tenant)).json();
    const given = {
      ...doc,
      datasources: doc.datasources.map((d: { config: { headers: Record<string, string> } }) => ({ ...d, config: { ...d.config, headers: { ...d.config.headers, 'X-Imported-Token': IMPORTED } } })),
    };
    const res = await c.call('POST', '/v1/admin/import?mode=replace', { ...tenant, body: given });
    expect(res.statusCode, res.body).toBe(200);
    const row = await stored(id);
    expect(row.config.headers).toEqual({ 'X-Tenant': 'blue' });
    expect(Object.keys(row.secrets).sort()).toEqual(['headers.Cookie', 'headers.X-Api-Token', 'headers.X-Imported-Token', 'password']);
    await expectInNoTable([TOKEN, COOKIE, IMPORTED, PASSWORD]);
    expect((await testConnection(c, id, tenant)).json()).toMatchObject({ ok: true });
    expect(lastSent()).toMatchObject({ 'x-api-token': TOKEN, cookie: COOKIE, 'x-imported-token': IMPORTED });

    // Into a tenant of its own (a new datasource): the same.
    const other = { installationId: `at-rest-import-new-${kind}` };
    const created = await c.call('POST', '/v1/admin/import', { ...other, body: given });
    expect(created.statusCode, created.body).toBe(200);
    const [newRow] = (await c.db.datasource.findMany({ where: { tenant: { installationId: other.installationId } } })) as unknown as Stored[];
    expect(newRow!.config.headers).toEqual({ 'X-Tenant': 'blue' });
    expect(Object.keys(newRow!.secrets)).toEqual(['headers.X-Imported-Token']);
    await expectInNoTable([IMPORTED]);
  });

  it('refuses a tampered or moved header envelope with 422 secrets_unreadable and sends nothing', async () => {
    const id = await createDatasource(c, crm());
    const field = await createField(c, id, { query: '/projects' });
    const row = await stored(id);
    const envelope = row.secrets['headers.X-Api-Token']!;
    const ct = Buffer.from(envelope.ct, 'base64');
    ct[0] = ct[0]! ^ 1;
    const tampered = [
      { ...row.secrets, 'headers.X-Api-Token': { ...envelope, ct: ct.toString('base64') } },
      // A genuine envelope under another header's name: bound to its name, it does not decrypt.
      { ...row.secrets, 'headers.X-Api-Token': row.secrets['headers.Cookie']! },
    ];
    for (const secrets of tampered) {
      await c.db.datasource.update({ where: { id }, data: { secrets } });
      up.reset();
      const tested = await testConnection(c, id);
      expect(tested.statusCode, tested.body).toBe(422);
      expect(tested.json()).toEqual({ error: { code: 'secrets_unreadable', message: expect.stringContaining('headers.X-Api-Token cannot be read') } });
      const previewed = await preview(c, field.id);
      expect(previewed.statusCode, previewed.body).toBe(422);
      expect(previewed.json().error.code).toBe('secrets_unreadable');
      expect(up.requests).toHaveLength(0);
      for (const body of [tested.body, previewed.body]) for (const v of [TOKEN, COOKIE, PASSWORD]) expect(body).not.toContain(v);
    }
    // Given back as it was, it works again (and the rotation below can read every row).
    await c.db.datasource.update({ where: { id }, data: { secrets: row.secrets } });
    expect((await testConnection(c, id)).json()).toMatchObject({ ok: true });
    expect(lastSent()['x-api-token']).toBe(TOKEN);
    expectNoSecretInLogs(c, ALL);
  });

  it('reads a row written before (plain header in config) as before, and encrypts it on its next write', async () => {
    const id = await createDatasource(c, crm({ 'X-Tenant': 'blue' }));
    await makeLegacy(id, LEGACY);
    const got = await view(id);
    expect(got.config.headers).toEqual({ 'X-Tenant': 'blue' });
    expect(got.secrets).toEqual({ password: true, headers: { 'X-Api-Token': true } });
    expect(JSON.stringify(got)).not.toContain(LEGACY);
    const exported = await c.call('GET', '/v1/admin/export');
    expect(exported.body).not.toContain(LEGACY);
    expect(exported.json().datasources.find((d: { id: string }) => d.id === id).secretsToEnter).toEqual(['password', 'headers.X-Api-Token']);
    expect((await testConnection(c, id)).json()).toMatchObject({ ok: true });
    expect(lastSent()['x-api-token']).toBe(LEGACY);

    // Moving it still needs the kept (plain) header again.
    const moved = await c.call('PUT', `/v1/admin/datasources/${id}`, { body: { name: got.name, type: 'rest', config: { ...got.config, baseUrl: `${up.url}/elsewhere` }, version: got.version } });
    expect(moved.statusCode, moved.body).toBe(422);
    expect(moved.json().error).toMatchObject({ code: 'secrets_required', message: expect.stringContaining('password, headers.X-Api-Token') });

    // A PUT that only renames it moves the header into an envelope.
    const renamed = await c.call('PUT', `/v1/admin/datasources/${id}`, { body: { name: 'Legacy renamed', type: 'rest', config: got.config, version: got.version } });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json().secrets).toEqual({ password: true, headers: { 'X-Api-Token': true } });
    const row = await stored(id);
    expect(row.config.headers).toEqual({ 'X-Tenant': 'blue' });
    expect(Object.keys(row.secrets).sort()).toEqual(['headers.X-Api-Token', 'password']);
    await expectInNoTable([LEGACY]);
    expect((await testConnection(c, id)).json()).toMatchObject({ ok: true });
    expect(lastSent()['x-api-token']).toBe(LEGACY);

    // A replacing import of a row from before encrypts it too.
    const tenant = { installationId: `at-rest-legacy-import-${kind}` };
    const other = await createDatasource(c, crm({ 'X-Tenant': 'blue' }), tenant);
    await makeLegacy(other, LEGACY);
    const doc = (await c.call('GET', '/v1/admin/export', tenant)).json();
    const imported = await c.call('POST', '/v1/admin/import?mode=replace', { ...tenant, body: doc });
    expect(imported.statusCode, imported.body).toBe(200);
    expect(imported.json().secretsToEnter).toEqual([]);
    expect(Object.keys((await stored(other)).secrets).sort()).toEqual(['headers.X-Api-Token', 'password']);
    await expectInNoTable([LEGACY]);
    expect((await testConnection(c, other, tenant)).json()).toMatchObject({ ok: true });
    expect(lastSent()['x-api-token']).toBe(LEGACY);
  });

  it('moves plain credential headers into envelopes on key rotation, then re-encrypts header envelopes under the new key', async () => {
    const id = await createDatasource(c, crm({ 'X-Tenant': 'blue' }));
    await makeLegacy(id, ROTATED_LEGACY);
    const box = c.app.companion.secretBox;
    // Every row the earlier tests left is already encrypted under the current key: only this one changes.
    expect(await reencryptSecrets(c.db, box)).toEqual({ datasources: 1, secrets: 1, headersMoved: 1 });
    expect(await reencryptSecrets(c.db, box)).toEqual({ datasources: 0, secrets: 0, headersMoved: 0 });
    const row = await stored(id);
    expect(row.config).toMatchObject({ headers: { 'X-Tenant': 'blue' }, baseUrl: up.url });
    expect(row.secrets['headers.X-Api-Token']!.kid).toBe('k1');
    await expectInNoTable([ROTATED_LEGACY]);
    expect((await view(id)).secrets).toEqual({ password: true, headers: { 'X-Api-Token': true } });
    expect((await testConnection(c, id)).json()).toMatchObject({ ok: true });
    expect(lastSent()['x-api-token']).toBe(ROTATED_LEGACY);

    // `npm run rotate-keys` itself, as a process, with a new current key and the old one as previous.
    const legacy = await createDatasource(c, crm({ 'X-Tenant': 'blue' }));
    await makeLegacy(legacy, COMMAND_LEGACY);
    const sealed = await createDatasource(c, crm({ 'X-Api-Token': COMMAND_SEALED }));
    const count = await c.db.datasource.count();
    const newKey = randomBytes(32);
    const { stdout } = await run(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'companion/crypto/rotate-keys-command.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        DATABASE_URL: c.databaseUrl,
        COMPANION_ENCRYPTION_KEY: newKey.toString('base64'),
        COMPANION_ENCRYPTION_KEY_ID: 'k2',
        COMPANION_PREVIOUS_KEYS: `k1:${c.encryptionKey}`,
        LOG_LEVEL: 'silent',
      },
      timeout: 120_000,
    });
    expect(stdout).toContain("(1 of them credential header(s) moved out of plain text in a datasource's config)");
    expect(stdout).toContain(`in ${count} datasource(s) under key k2`);
    const rows = (await c.db.datasource.findMany()) as unknown as Array<Stored & { id: string; tenantId: string }>;
    for (const r of rows) {
      for (const [name, envelope] of Object.entries(r.secrets)) expect(envelope.kid, `${r.id} ${name}`).toBe('k2');
      expect(Object.keys(r.config.headers ?? {}).filter((h) => /token|cookie/i.test(h)), r.id).toEqual([]);
    }
    await expectInNoTable(ALL);
    const newOnly = datasourceService(c.db, new SecretBox({ current: { id: 'k2', key: newKey }, previous: [] }), c.clock);
    const headersAtUse = async (dsId: string) => {
      const r = rows.find((x) => x.id === dsId)!;
      return ((await newOnly.forUse(r.tenantId, dsId)).row.config as { headers: Record<string, string> }).headers;
    };
    expect(await headersAtUse(legacy)).toEqual({ 'X-Tenant': 'blue', 'X-Api-Token': COMMAND_LEGACY });
    expect(await headersAtUse(sealed)).toEqual({ 'X-Api-Token': COMMAND_SEALED });
    expect(await headersAtUse(id)).toEqual({ 'X-Tenant': 'blue', 'X-Api-Token': ROTATED_LEGACY });
  });
});
