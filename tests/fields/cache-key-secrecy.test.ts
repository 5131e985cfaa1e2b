// A cache key must not give away the parent value it was computed from (compute egress): someone
// who reads the database (and knows the source) must not recover a value from a small domain, a
// country, by hashing each candidate. The key is an HMAC under a key derived from the encryption key.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { runtimeCaches } from '../../companion/cache/runtime-caches.js';
import { CACHE_KEY_PURPOSE, cacheKeyHasher, type CacheKeyParts } from '../../companion/cache/cache-key.js';
import { SecretBox } from '../../companion/crypto/secret-box.js';
import { buildTemplateVariables } from '../../companion/templates/template-variables.js';
import { CountingUpstream } from './support/counting-upstream.js';

const COUNTRIES = ['DE', 'FR', 'US', 'CA', 'GB', 'PL', 'JP', 'BR', 'IN', 'NL'];
const lengthPrefixed = (parts: unknown[]) => parts.map((x) => `${String(x).length}:${String(x)}`).join('|');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

// The key derivation does not depend on the database: one kind is enough.
describe.each(databaseKinds().slice(-1))('cache keys on %s', (kind) => {
  let c: TestCompanion;
  let up: CountingUpstream;

  beforeAll(async () => {
    up = await CountingUpstream.start();
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
  });
  afterAll(async () => {
    await c?.close();
    await up?.stop();
  });

  it('stores an HMAC that candidates hashed without the server\'s key do not match, and that changes with the key', async () => {
    const ds = (await c.call('POST', '/v1/admin/datasources', { body: { name: 'Geo', type: 'rest', config: { baseUrl: up.url } } })).json();
    const res = await c.call('POST', '/v1/admin/fields', {
      body: { key: 'customfield_61001', name: 'City', datasourceId: ds.id, editor: 'select', storage: 'snapshot', query: '/cities?country=$issue.customfield_61000', resultPath: '$.items[*]', idTemplate: '${row.name}', displayTemplate: '${row.name}' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const field = res.json();
    const asked = await c.call('POST', `/v1/fields/${field.id}/options`, { moduleKey: 'connected-field-edit', body: { context: { issue: { key: 'GEO-1', fields: { customfield_61000: 'FR' } } } } });
    expect(asked.json()).toMatchObject({ cache: 'miss', options: [{ id: 'Paris', value: 'Paris' }, { id: 'Lyon', value: 'Lyon' }] });
    const caches = runtimeCaches(c.app.companion);
    await caches.options.settled();
    const [stored] = await c.db.cacheEntry.findMany({ where: { fieldId: field.id } });
    const row = await c.db.field.findUniqueOrThrow({ where: { id: field.id } });
    const datasource = (await caches.datasources.get(row.tenantId, ds.id))!;

    // Everything but the parent value is in the database next to the entry; the rest is the source.
    const partsFor = (country: string): CacheKeyParts => {
      const vars = buildTemplateVariables({ issue: { key: 'GEO-1', fields: { customfield_61000: country } } }, undefined, {});
      const spec = { query: row.query!, resultPath: row.resultPath, idTemplate: row.idTemplate, displayTemplate: row.displayTemplate, maxRows: row.maxOptions };
      const { cacheKeyMaterial } = c.app.companion.pipeline.evaluate(datasource, spec, vars);
      return { tenantId: row.tenantId, datasourceId: ds.id, datasourceGeneration: datasource.row.cacheGeneration, configId: row.id, configGeneration: row.cacheGeneration, withRows: false, viewer: null, material: cacheKeyMaterial };
    };
    const plain = (p: CacheKeyParts) => [p.tenantId, p.datasourceId, p.datasourceGeneration, p.configId, p.configGeneration, p.withRows ? 1 : 0, 'shared', p.material];
    const guesses = COUNTRIES.flatMap((country) => {
      const p = partsFor(country);
      // With and without the viewer part, as the key was built before and after it joined.
      return [sha256(lengthPrefixed(plain(p))), sha256(lengthPrefixed(plain(p).filter((x) => x !== 'shared')))];
    });
    expect(guesses).not.toContain(stored!.keyHash);

    // The server's own key does reproduce it (the candidates above were the right inputs) ...
    expect(caches.cacheKey(partsFor('FR'))).toBe(stored!.keyHash);
    expect(COUNTRIES.filter((country) => caches.cacheKey(partsFor(country)) === stored!.keyHash)).toEqual(['FR']);
    // ... and another companion's encryption key gives another one.
    const other = cacheKeyHasher(new SecretBox({ current: { id: 'other', key: randomBytes(32) }, previous: [] }));
    expect(other(partsFor('FR'))).toMatch(/^[0-9a-f]{64}$/);
    expect(other(partsFor('FR'))).not.toBe(stored!.keyHash);
    expect(JSON.stringify(stored)).not.toContain('"FR"');
  });
});

describe('the cache key input', () => {
  it('is the length-prefixed parts joined by "|", as earlier versions made it: instances of both find the same entries', () => {
    const box = new SecretBox({ current: { id: 'k1', key: randomBytes(32) }, previous: [] });
    const parts: CacheKeyParts = {
      tenantId: '7c1f4d1e-6a2b-4c5d-8e9f-0a1b2c3d4e5f',
      datasourceId: '8d2f4d1e-6a2b-4c5d-8e9f-0a1b2c3d4e5f',
      datasourceGeneration: 3,
      configId: '9e3f4d1e-6a2b-4c5d-8e9f-0a1b2c3d4e5f',
      configGeneration: 1,
      withRows: false,
      viewer: null,
      material: '["8d2f4d1e",2,"GET /customers?q=a|b:c",[]]',
    };
    const hmac = (text: string) => createHmac('sha256', box.deriveKey(CACHE_KEY_PURPOSE)).update(text).digest('hex');
    const hasher = cacheKeyHasher(box);
    const { tenantId, datasourceId, datasourceGeneration, configId, configGeneration, material } = parts;
    expect(hasher(parts)).toBe(hmac(lengthPrefixed([tenantId, datasourceId, datasourceGeneration, configId, configGeneration, 0, 'shared', material])));
    expect(hasher({ ...parts, viewer: 'acc-1', withRows: true })).toBe(
      hmac(lengthPrefixed([tenantId, datasourceId, datasourceGeneration, configId, configGeneration, 1, 'user:acc-1', material])),
    );
  });
});
