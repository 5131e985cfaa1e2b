// Property-based fuzzing of every /v1 route's body, path parameters and query string (fast-check,
// fixed seeds: the same cases every run). Whatever arrives: no 5xx, every 4xx in the error shape,
// and a rejected request stores nothing (the contents of every table unchanged, not just its row count).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import type { DatabaseKind } from '../../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../../helpers/test-companion.js';
import { queryKeysOf } from './app-routes.js';
import { fillPath, hasErrorShape, tenant, type SendOptions } from './proof-client.js';
import { ROUTE_TABLE, sendEntry, type RouteEntry } from './route-table.js';
import { TenantFixtures } from './tenant-fixtures.js';
import { hostileJson, hostileParam, hostileQuery, mutationsOf, rawBodies } from './hostile-arbitraries.js';
import { contentReader, type TableContents } from './row-counts.js';
import { runtimeCaches } from '../../../companion/cache/runtime-caches.js';

/**
 * Cases per route and database kind, across body, params and query (at least one of each the route
 * has). `npm test` sends 10 on each kind: every route, every check, each part of the request; the
 * volume is `npm run test:proof`'s (also run by CI), 1,000, so 1,010 per route and kind per CI run.
 * Raise it for a deeper soak (OC_FUZZ_CASES_PER_ROUTE=10000); the seeds stay fixed, so a larger run
 * replays the smaller one's cases first.
 */
const CASES_PER_ROUTE = Number(process.env.OC_FUZZ_CASES_PER_ROUTE ?? 10);
/** Heavy routes (the egress report runs a dozen queries) take a while at this count under load. */
const ROUTE_TIMEOUT_MS = 240_000;

const seedOf = (text: string) => createHash('sha256').update(text).digest().readInt32BE(0);

function budget(entry: RouteEntry): { body: number; params: number; query: number } {
  const [method, path] = entry.key.split(' ') as [string, string];
  const hasBody = method === 'POST' || method === 'PUT' || method === 'PATCH';
  const hasParams = path.includes(':');
  const share = { body: hasBody ? 3 : 0, params: hasParams ? 2 : 0, query: 1 };
  const total = share.body + share.params + share.query;
  const part = (n: number) => Math.ceil((CASES_PER_ROUTE * n) / total);
  return { body: part(share.body), params: part(share.params), query: part(share.query) };
}

export function fuzzEveryRoute(kind: DatabaseKind) {
  describe(`hostile input on ${kind}`, () => {
    let c: TestCompanion;
    let counts: () => Promise<TableContents>;
    const ran: Record<string, number> = {};

    beforeAll(async () => {
      c = await startTestCompanion(kind);
      counts = await contentReader(c.db);
    });
    afterAll(async () => {
      console.log(`[proof] fuzz cases on ${kind}: ${JSON.stringify(ran)}`);
      await c?.close();
    });

    ROUTE_TABLE.forEach((entry, index) => {
      it(`${entry.key}: no 5xx, error shape on every 4xx, nothing stored when rejected`, async () => {
        const [method, path] = entry.key.split(' ') as ['GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH', string];
        // Fixtures are made by the tenant's admin; the fuzzed calls come from the route's caller.
        const admin = tenant(c, `fuzz-${index}`);
        const who = entry.caller ? tenant(c, `fuzz-${index}`, entry.caller) : admin;
        const fixtures = new TenantFixtures(admin);
        // The baseline request must itself be accepted, or the mutations would prove nothing.
        const sane = await sendEntry(who, entry, await entry.valid(fixtures));
        expect(sane.statusCode, `valid ${entry.key}: ${sane.body}`).toBeLessThan(300);
        const valid = await entry.valid(fixtures);
        const plan = budget(entry);
        // The runtime routes (options, recalculate, issue items) store what they fetched in the shared
        // cache after answering, without making the caller wait: after one of them is accepted, the
        // baseline is taken once the options cache says its pending writes have landed.
        const writesLater = path.startsWith('/v1/fields/') || path.startsWith('/v1/items/') || path.startsWith('/v1/issues/');
        const settled = async () => {
          await runtimeCaches(c.app.companion).options.settled();
          return counts();
        };
        let baseline = writesLater ? await settled() : await counts();
        let cases = 0;

        // Failures are plain Errors with text messages: fast-check reports them as they are, and no
        // reporter tries to pretty-print a hostile object (a "toString" key that is an object...).
        const fail = (message: string) => {
          throw new Error(message);
        };
        const probe = async (url: string, options: SendOptions, label: string) => {
          cases += 1;
          const res = await who.send(method, url, options);
          const what = `${label.slice(0, 400)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
          if (res.statusCode >= 500) fail(`5xx: ${what}`);
          if (res.statusCode >= 400 && !hasErrorShape(res.body)) fail(`4xx without the error shape: ${what}`);
          // A GET must never write, accepted or not: checked once per property below (cheaper, and
          // stronger). Other methods: after every rejection, and a new baseline after every success.
          if (method === 'GET') return;
          const now = await counts();
          if (res.statusCode >= 400 && JSON.stringify(now) !== JSON.stringify(baseline)) {
            fail(`table contents changed after a rejected request: ${what}\nbefore ${JSON.stringify(baseline)}\nafter  ${JSON.stringify(now)}`);
          }
          baseline = res.statusCode < 400 && writesLater ? await settled() : now;
        };
        const url = fillPath(path, valid.params);
        const keepQuery = valid.query ? { query: valid.query } : {};
        const keepBody = valid.body !== undefined ? { raw: { contentType: 'application/json', payload: JSON.stringify(valid.body) } } : {};
        // fast-check generates the cases from a fixed seed (the same cases every run); they are then
        // sent in order, or, for GET routes (which must write nothing at all, checked once at the
        // end), a few at a time: the database-bound handlers overlap and thousands of cases stay fast.
        const inFlight = method === 'GET' ? 4 : 1;
        const run = async <T,>(name: string, arb: fc.Arbitrary<T>, numRuns: number, body: (v: T) => Promise<void>) => {
          const seed = seedOf(`${entry.key} ${name}`);
          const values = numRuns > 0 ? fc.sample(arb, { numRuns, seed }) : [];
          let next = 0;
          const worker = async () => {
            while (next < values.length) {
              const index = next++;
              try {
                await body(values[index]!);
              } catch (error) {
                throw new Error(`${entry.key} ${name} case #${index} (seed ${seed}): ${(error as Error).message}`);
              }
            }
          };
          await Promise.all(Array.from({ length: inFlight }, worker));
        };

        const json = (v: unknown) => ({ contentType: 'application/json', payload: JSON.stringify(v) ?? 'null' });
        await run(
          'body',
          fc.oneof({ arbitrary: mutationsOf(valid.body ?? {}).map(json), weight: 4 }, { arbitrary: hostileJson.map(json), weight: 1 }, { arbitrary: rawBodies, weight: 1 }),
          plan.body,
          async (raw: { contentType: string; payload: string }) => {
            await probe(url, { raw, ...keepQuery }, `body (${raw.contentType}) ${raw.payload}`);
          },
        );
        const paramNames = [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
        await run(
          'params',
          fc.record(Object.fromEntries(paramNames.map((n) => [n, hostileParam]))),
          plan.params,
          async (params: Record<string, string>) => {
            await probe(fillPath(path, params), { ...keepBody, ...keepQuery }, `params ${JSON.stringify(params)}`);
          },
        );
        await run('query', hostileQuery(queryKeysOf(c.app, entry.key)), plan.query, async (query: string) => {
          await probe(url, { ...keepBody, query }, `query ${query}`);
        });
        if (method === 'GET') expect(await counts(), 'a GET changed rows').toEqual(baseline);
        ran[entry.key] = cases;
        expect(cases).toBeGreaterThanOrEqual(CASES_PER_ROUTE);
      }, ROUTE_TIMEOUT_MS);
    });

    it('answers an over-1-MB body with 413 in the error shape on every route that takes a body', async () => {
      const before = await counts();
      for (const entry of ROUTE_TABLE.filter((e) => /^(POST|PUT|PATCH) /.test(e.key))) {
        // (Sent as the route's own caller: another one is refused before the body is read.)
        const who = tenant(c, 'fuzz-big', entry.caller ?? 'admin');
        const [method, path] = entry.key.split(' ') as ['POST' | 'PUT' | 'PATCH', string];
        const params = Object.fromEntries([...path.matchAll(/:(\w+)/g)].map((m) => [m[1]!, '00000000-0000-0000-0000-000000000000']));
        const res = await who.send(method, fillPath(path, params), { raw: { contentType: 'application/json', payload: JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 1) }) } });
        expect(res.statusCode, entry.key).toBe(413);
        expect(hasErrorShape(res.body), entry.key).toBe(true);
      }
      const after = await counts();
      expect(after).toEqual({ ...before, Tenant: after.Tenant });
    });
  });
}
