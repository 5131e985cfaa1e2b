// A miss between instances builds its upstream request while its lease statement is on its way to
// PostgreSQL (cache/options-cache.ts), and sends it only once the lease says this instance is the one
// to call the upstream: another instance's fresh entry is answered without anything sent, and a
// request that cannot be built fails the miss with its own error and leaves no lease behind.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/databases.js';
import { FakeClock } from '../helpers/test-companion.js';
import { createPrisma, type Db } from '../../companion/db/prisma.js';
import { cacheRepository } from '../../companion/cache/cache-repository.js';
import { OptionsCache } from '../../companion/cache/options-cache.js';
import { silent } from '../../companion/cache/runtime-caches.js';
import { AppError } from '../../companion/errors.js';

type Payload = { options: Array<{ id: string; value: string }> };

describe.skipIf(!inject('postgresAdminUrl'))('a miss between instances on PostgreSQL', () => {
  let database: TestDatabase;
  let db: Db;
  let tenantId: string;
  const clock = new FakeClock();
  const instance = () => new OptionsCache<Payload>(db, clock, silent, { shared: true });

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    db = createPrisma(database.url, 4);
    tenantId = (await db.tenant.create({ data: { installationId: `prepare-${randomUUID()}` } })).id;
  });
  afterAll(async () => {
    await db?.$disconnect();
    await database?.drop();
  });

  /** An upstream call in two steps, counting each: built (`prepare`) and sent. */
  const upstream = (build: () => void = () => undefined) => {
    const u = {
      built: 0,
      sent: 0,
      fetch: async (): Promise<Payload> => {
        u.sent += 1;
        return { options: [{ id: `sent-${u.sent}`, value: 'Sent' }] };
      },
      prepare: () => {
        u.built += 1;
        build();
        return u.fetch;
      },
    };
    return u;
  };
  const resolve = (cache: OptionsCache<Payload>, keyHash: string, u: ReturnType<typeof upstream>) =>
    cache.resolve({ tenantId, keyHash, datasourceId: randomUUID(), configId: randomUUID(), ttlSeconds: 60, fetch: u.fetch, prepare: u.prepare });

  it('sends the request it built only as the lease holder: another instance’s fresh entry is answered without sending anything', async () => {
    const key = `k-${randomUUID()}`;
    const a = upstream();
    expect(await resolve(instance(), key, a)).toEqual({ payload: { options: [{ id: 'sent-1', value: 'Sent' }] }, cache: 'miss' });
    expect(a).toMatchObject({ built: 1, sent: 1 });

    const b = upstream();
    const other = instance();
    // The entry is written after the answer, on the next turn: wait for it as a second instance would find it.
    for (let i = 0; i < 50 && !(await cacheRepository(db).get(tenantId, key)); i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(await resolve(other, key, b)).toEqual({ payload: { options: [{ id: 'sent-1', value: 'Sent' }] }, cache: 'hit' });
    expect(b).toMatchObject({ built: 1, sent: 0 });
  });

  it('fails the miss with the error of a request that cannot be built, and leaves no lease behind', async () => {
    const key = `k-${randomUUID()}`;
    const broken = upstream(() => {
      throw new AppError(422, 'datasource_misconfigured', 'the query must be a path, not a full URL');
    });
    await expect(resolve(instance(), key, broken)).rejects.toMatchObject({ statusCode: 422, code: 'datasource_misconfigured' });
    expect(broken.sent).toBe(0);
    let running = true;
    for (let i = 0; i < 50 && running; i += 1) {
      running = await cacheRepository(db).fillRunning(tenantId, key);
      if (running) await new Promise((r) => setTimeout(r, 10));
    }
    expect(running).toBe(false);
    // The next miss on the key, through any instance, takes the lease and calls the upstream at once.
    const next = upstream();
    expect(await resolve(instance(), key, next)).toMatchObject({ cache: 'miss' });
    expect(next).toMatchObject({ built: 1, sent: 1 });
  });
});
