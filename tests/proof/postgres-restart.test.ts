// PostgreSQL restarted under load, on a server of the test's own (the shared one stays up): while
// it is down every route that needs the database answers 503 database_unavailable within the
// contract's 10 s, /health stays 200 and /ready says 503; when it is back the same companion process
// serves again, and every write it acknowledged before the outage is still there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { migrateDatabase } from '../../companion/db/migrate.js';
import { ForgeTokenIssuer } from '../helpers/forge-tokens.js';
import { createLocalPostgres, postgresBinaries, type LocalPostgres } from './support/local-postgres.js';
import { startCompanionOn, type CompanionOn } from './support/companion-on.js';
import { staticDatasourceBody } from './support/tenant-fixtures.js';
import { hasErrorShape } from './support/proof-client.js';

const CONTRACT_ANSWER_MS = 10_000;
const bin = postgresBinaries();
if (!bin) {
  const line = '!!! PostgreSQL binaries (initdb, pg_ctl) not found under /usr/lib/postgresql: the restart proof is SKIPPED !!!';
  if (process.env.OC_REQUIRE_ALL_DATABASES === '1') throw new Error(`${line} (OC_REQUIRE_ALL_DATABASES=1)`);
  console.warn(line);
}

/** The contract's bound on an answer while the database is down; a hang fails the test. */
async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, hang]);
  } finally {
    clearTimeout(timer);
  }
}

describe.runIf(bin)('PostgreSQL restarted under load', () => {
  let pg: LocalPostgres;
  let issuer: ForgeTokenIssuer & { jwksUrl: string };
  let c: CompanionOn;

  beforeAll(async () => {
    pg = await createLocalPostgres(bin!);
    await migrateDatabase(pg.url);
    issuer = await ForgeTokenIssuer.start();
    c = await startCompanionOn(pg.url, { issuer, encryptionKey: randomBytes(32).toString('base64'), env: { DATABASE_POOL_SIZE: '4' } });
  }, 180_000);
  afterAll(async () => {
    await c?.close();
    await issuer?.stop();
    await pg?.destroy();
  });

  it('answers 503 while it is down, recovers by itself, and loses nothing it acknowledged', async () => {
    const acknowledged: string[] = [];
    const statuses: number[] = [];
    const unexpected: string[] = [];
    let writing = true;
    let serial = 0;
    // Writers and readers keep the companion busy across the outage (bounded: 4 loops, at most
    // 400 requests each, and they stop when the test says so).
    const loop = async (kind: 'write' | 'read') => {
      for (let i = 0; i < 400 && writing; i += 1) {
        serial += 1;
        const res: LightMyRequestResponse = await within(
          CONTRACT_ANSWER_MS,
          `${kind} #${i}`,
          kind === 'write' ? c.call('POST', '/v1/admin/datasources', { body: staticDatasourceBody(`Load ${serial}`) }) : c.call('GET', '/v1/admin/datasources?limit=5'),
        );
        statuses.push(res.statusCode);
        if (res.statusCode === 201) acknowledged.push(res.json().id);
        else if (![200, 503].includes(res.statusCode) || !(res.statusCode === 200 || hasErrorShape(res.body))) unexpected.push(`${res.statusCode} ${res.body}`);
        else if (res.statusCode === 503) expect(res.json().error.code).toBe('database_unavailable');
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const load = Promise.all([loop('write'), loop('write'), loop('read'), loop('read')]);
    // Let some writes land, then pull the database away under them.
    for (let i = 0; i < 200 && acknowledged.length < 10; i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(acknowledged.length).toBeGreaterThanOrEqual(10);
    await pg.stop();
    const beforeOutage = [...acknowledged];

    // Down: data routes 503 database_unavailable (each within 10 s), /health 200, /ready 503.
    for (const [method, url] of [['GET', '/v1/admin/datasources'], ['POST', '/v1/admin/datasources'], ['GET', '/v1/admin/fields'], ['GET', '/v1/admin/audit']] as const) {
      const res = await within(CONTRACT_ANSWER_MS, `${method} ${url} while down`, c.call(method, url, method === 'POST' ? { body: staticDatasourceBody('During the outage') } : {}));
      expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(503);
      expect(res.json()).toEqual({ error: { code: 'database_unavailable', message: expect.any(String) } });
    }
    expect((await c.app.inject({ url: '/health' })).statusCode).toBe(200);
    const ready = await within(CONTRACT_ANSWER_MS, '/ready while down', c.app.inject({ url: '/ready' }));
    expect(ready.statusCode).toBe(503);
    expect(hasErrorShape(ready.body)).toBe(true);

    // Back: the same process serves again once it reconnects (polled, bounded).
    await pg.start();
    let back = false;
    for (let i = 0; i < 150 && !back; i += 1) {
      back = (await c.app.inject({ url: '/ready' })).statusCode === 200;
      if (!back) await new Promise((r) => setTimeout(r, 200));
    }
    expect(back, '/ready turned 200 again without a restart').toBe(true);
    const after = await c.call('POST', '/v1/admin/datasources', { body: staticDatasourceBody('After the outage') });
    expect(after.statusCode, after.body).toBe(201);
    writing = false;
    await load;

    // A 500 names its cause only in the companion's log: show the error lines with it.
    const errorLines = c.logs.filter((line) => line.includes('"level":50')).map((line) => line.slice(0, 4000));
    expect(unexpected, `answers other than 200/201/503 in the error shape; the companion logged:\n${errorLines.join('\n')}`).toEqual([]);
    expect(statuses.filter((s) => s === 503).length, 'the load did meet the outage').toBeGreaterThan(0);
    // Nothing acknowledged is lost: every 201 id (before, during, after) is still readable.
    for (const id of [...new Set([...beforeOutage, ...acknowledged])]) {
      const res = await c.call('GET', `/v1/admin/datasources/${id}`);
      expect(res.statusCode, `acknowledged datasource ${id}`).toBe(200);
    }
    expect(c.logs.join('\n')).toContain('database unavailable');
  }, 240_000);
});
