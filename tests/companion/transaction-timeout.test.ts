// A change that outlives its transaction's time (a loaded machine, a 5,000-mapping document on the
// embedded database) is rolled back by Prisma: the caller gets a 503 that says nothing was changed
// and to try again, never a 500. The error is produced by a real transaction on each database.
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorHandling } from '../../companion/http/error-handler.js';
import { isTransactionTimeout } from '../../companion/db/database-errors.js';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';

describe.each(databaseKinds())('a transaction that runs out of time on %s', (kind) => {
  let c: TestCompanion;
  beforeAll(async () => {
    c = await startTestCompanion(kind);
  });
  afterAll(async () => c?.close());

  it('is recognised, answered 503 in the error shape, and leaves nothing behind', async () => {
    const before = await c.db.tenant.count();
    const error = await c.db
      .$transaction(
        async (tx) => {
          await tx.tenant.create({ data: { installationId: 'tx-timeout-installation' } });
          // Outlives the transaction's 50 ms by far; the next statement finds it closed.
          await tx.$executeRaw`SELECT pg_sleep(1)`;
          await tx.tenant.count();
        },
        { timeout: 50 },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeDefined();
    expect(isTransactionTimeout(error)).toBe(true);
    expect(await c.db.tenant.count()).toBe(before);

    const app = Fastify();
    registerErrorHandling(app);
    app.get('/change', async () => {
      throw error;
    });
    const res = await app.inject({ url: '/change' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toEqual({ error: { code: 'database_busy', message: expect.stringMatching(/nothing was changed/) } });
    await app.close();
  });

  it('does not take other errors for a timeout', async () => {
    // A unique key taken twice: a Prisma request error of another kind.
    await c.db.tenant.create({ data: { installationId: 'tx-timeout-twice' } });
    const error = await c.db.tenant.create({ data: { installationId: 'tx-timeout-twice' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    expect(isTransactionTimeout(error)).toBe(false);
    expect(isTransactionTimeout(new Error('transaction timeout'))).toBe(false);
  });
});
