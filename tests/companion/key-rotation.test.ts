// Secrets at rest: AES-256-GCM bound to their row, readable under previous keys, re-encrypted by the
// rotation command's function.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { SecretBox } from '../../companion/crypto/secret-box.js';
import { reencryptSecrets } from '../../companion/crypto/reencrypt-secrets.js';
import { datasourceService } from '../../companion/datasources/datasource-service.js';

const key = () => randomBytes(32);

describe('SecretBox', () => {
  it('round-trips and refuses a ciphertext moved to another row or tampered with', () => {
    const box = new SecretBox({ current: { id: 'k1', key: key() }, previous: [] });
    const env = box.encrypt('s3cret', 't/ds1/password');
    expect(env.ct).not.toContain('s3cret');
    expect(box.decrypt(env, 't/ds1/password')).toBe('s3cret');
    expect(() => box.decrypt(env, 't/ds2/password')).toThrow();
    expect(() => box.decrypt({ ...env, ct: Buffer.from('x').toString('base64') }, 't/ds1/password')).toThrow();
    const twice = box.encrypt('s3cret', 't/ds1/password');
    expect(twice.iv).not.toBe(env.iv);
  });

  it('writes 16-byte GCM tags and refuses a truncated one, even its genuine first bytes', () => {
    const box = new SecretBox({ current: { id: 'k1', key: key() }, previous: [] });
    const env = box.encrypt('s3cret', 't/ds1/password');
    expect(Buffer.from(env.tag, 'base64')).toHaveLength(16);
    for (const bytes of [4, 8, 12, 15]) {
      const truncated = { ...env, tag: Buffer.from(env.tag, 'base64').subarray(0, bytes).toString('base64') };
      expect(() => box.decrypt(truncated, 't/ds1/password'), `${bytes}-byte tag`).toThrow(/16 bytes/);
    }
  });
});

describe.each(databaseKinds())('key rotation on %s', (kind) => {
  let c: TestCompanion;
  beforeAll(async () => {
    c = await startTestCompanion(kind);
  });
  afterAll(async () => c?.close());

  it('refuses to use a stored secret whose tag was truncated: a 422, the secret never sent', async () => {
    const as = { installationId: 'truncated-tag' };
    const res = await c.call('POST', '/v1/admin/datasources', {
      ...as,
      body: { name: 'Truncated', type: 'rest', config: { baseUrl: 'https://x.example.com', auth: { mode: 'bearer' } }, secrets: { token: 'token-truncated' } },
    });
    expect(res.statusCode, res.body).toBe(201);
    const row = await c.db.datasource.findUniqueOrThrow({ where: { id: res.json().id } });
    const token = (row.secrets as Record<string, { tag: string }>).token!;
    const secrets = { token: { ...token, tag: Buffer.from(token.tag, 'base64').subarray(0, 4).toString('base64') } };
    await c.db.datasource.update({ where: { id: row.id }, data: { secrets } });
    const tested = await c.call('POST', `/v1/admin/datasources/${row.id}/test`, as);
    expect(tested.statusCode, tested.body).toBe(422);
    expect(tested.json()).toEqual({ error: { code: 'secrets_unreadable', message: expect.stringContaining('cannot be read') } });
    expect(tested.body).not.toContain('token-truncated');
    // The rotation test below re-encrypts every row: this one goes before it does.
    await c.db.datasource.delete({ where: { id: row.id } });
  });

  it('reads old ciphertexts under a previous key and re-encrypts them under the new one', async () => {
    for (const name of ['A', 'B']) {
      const res = await c.call('POST', '/v1/admin/datasources', {
        body: { name, type: 'rest', config: { baseUrl: 'https://x.example.com', auth: { mode: 'bearer' } }, secrets: { token: `token-${name}` } },
      });
      expect(res.statusCode).toBe(201);
    }
    const oldKey = Buffer.from(c.encryptionKey, 'base64');
    const newKey = key();
    const rotated = new SecretBox({ current: { id: 'k2', key: newKey }, previous: [{ id: 'k1', key: oldKey }] });
    const service = datasourceService(c.db, rotated, c.clock);
    const rows = await c.db.datasource.findMany({ orderBy: { name: 'asc' } });
    expect((await service.forUse(rows[0]!.tenantId, rows[0]!.id)).secrets.token).toBe('token-A');

    expect(await reencryptSecrets(c.db, rotated)).toEqual({ datasources: 2, secrets: 2, headersMoved: 0 });
    expect(await reencryptSecrets(c.db, rotated)).toEqual({ datasources: 0, secrets: 0, headersMoved: 0 });
    const after = await c.db.datasource.findMany({ orderBy: { name: 'asc' } });
    for (const row of after) expect((row.secrets as { token: { kid: string } }).token.kid).toBe('k2');

    const newOnly = new SecretBox({ current: { id: 'k2', key: newKey }, previous: [] });
    const plain = await Promise.all(after.map((r) => datasourceService(c.db, newOnly, c.clock).forUse(r.tenantId, r.id)));
    expect(plain.map((p) => p.secrets.token)).toEqual(['token-A', 'token-B']);
  });
});
