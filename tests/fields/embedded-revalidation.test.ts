// The embedded database: no change listener (one process opens it), so the in-process copies of a
// field's configuration are re-checked against the row's stamp (id, version, cache generation) once
// they are a second old, in the background, while requests keep using them (cache/config-snapshots.ts,
// the stamp read straight through pg: db/config-stamps.ts). A change made to the database by hand
// (one that bumps the version and the cache generation, as a change of its query or templates through the API does) is answered once that check
// has run; a row deleted by hand is no longer answered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { CountingUpstream } from './support/counting-upstream.js';
import { createCrmDatasource, createCustomerField } from './support/rest-field.js';

const EDIT = { moduleKey: 'connected-field-edit' };

describe('held field copies on the embedded database', () => {
  let c: TestCompanion;
  let up: CountingUpstream;
  let ds: { id: string };

  beforeAll(async () => {
    up = await CountingUpstream.start();
    c = await startTestCompanion('embedded', { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
    ds = await createCrmDatasource(c, up.url);
  });
  afterAll(async () => {
    await c?.close();
    await up?.stop();
  });

  const first = async (key: string) => {
    const res = await c.call('POST', `/v1/fields/${key}/options`, { token: await c.issuer.mint(EDIT), body: {} });
    return { status: res.statusCode, value: res.statusCode === 200 ? (res.json().options[0]?.value as string) : undefined };
  };
  /** Asks until `expected` is answered (the background check lands between two requests). */
  const until = async (key: string, expected: { status: number; value?: string }) => {
    let last = await first(key);
    for (let i = 0; i < 100 && (last.status !== expected.status || last.value !== expected.value); i += 1) {
      await new Promise((r) => setTimeout(r, 20));
      last = await first(key);
    }
    return last;
  };

  it('answers a change made by hand once the copy is a second old, and a row deleted by hand no longer', async () => {
    const f = await createCustomerField(c, ds.id, 64100);
    expect(await first(f.key)).toEqual({ status: 200, value: 'Customer 1' });
    const db = c.app.companion.db;
    await db.$executeRawUnsafe(`UPDATE "Field" SET "displayTemplate" = 'By hand: \${row.name}', version = version + 1, "cacheGeneration" = "cacheGeneration" + 1 WHERE id = $1::uuid`, f.id);
    // Within its second the copy is used as it is, without a read.
    expect(await first(f.key)).toEqual({ status: 200, value: 'Customer 1' });
    c.clock.advance(1_000);
    expect(await until(f.key, { status: 200, value: 'By hand: Customer 1' })).toEqual({ status: 200, value: 'By hand: Customer 1' });

    await db.$executeRawUnsafe(`UPDATE "Field" SET "deletedAt" = now() WHERE id = $1::uuid`, f.id);
    c.clock.advance(1_000);
    expect(await until(f.key, { status: 404 })).toEqual({ status: 404, value: undefined });
  });
});
