// Keeps the proof tables honest: every /v1 route the companion serves must have an entry in
// ROUTE_TABLE (and so is fuzzed, forged against and isolation-checked), and no entry may name a
// route that does not exist.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { v1RoutesOf } from './support/app-routes.js';
import { ROUTE_TABLE } from './support/route-table.js';

describe('proof tables cover every /v1 route', () => {
  let c: TestCompanion;
  beforeAll(async () => {
    c = await startTestCompanion('embedded');
  });
  afterAll(async () => c?.close());

  it('reads the routes from the app itself', () => {
    const routes = v1RoutesOf(c.app);
    // The foundation's routes are always there; if the reader loses them, it is broken.
    expect(routes).toEqual(expect.arrayContaining(['POST /v1/lifecycle', 'GET /v1/admin/datasources', 'DELETE /v1/admin/datasources/:id']));
    expect(routes.every((r) => /^(GET|POST|PUT|DELETE|PATCH) \/v1\//.test(r))).toBe(true);
  });

  it('has a table entry for every served /v1 route and no entry for a route that is not served', () => {
    const served = v1RoutesOf(c.app);
    const tabled = ROUTE_TABLE.map((e) => e.key);
    expect(new Set(tabled).size, 'duplicate entries').toBe(tabled.length);
    expect(served.filter((r) => !tabled.includes(r)), 'served but not in tests/proof/support/route-table.ts').toEqual([]);
    expect(tabled.filter((r) => !served.includes(r)), 'in the table but not served').toEqual([]);
  });
});
