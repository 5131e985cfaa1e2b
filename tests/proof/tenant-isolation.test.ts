// One tenant never sees another's data: for every /v1 route in the table, a second installation
// naming the first one's ids gets 404 (and changes nothing), and its lists, exports and reports
// stay empty while the first tenant's are not.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { platformCallers, tenant } from './support/proof-client.js';
import { ROUTE_TABLE } from './support/route-table.js';
import { TenantFixtures } from './support/tenant-fixtures.js';

describe.each(databaseKinds())('tenant isolation on %s', (kind) => {
  let c: TestCompanion;
  let a: TenantFixtures;
  beforeAll(async () => {
    c = await startTestCompanion(kind);
    a = new TenantFixtures(tenant(c, 'tenant-a'), platformCallers(c, 'tenant-a'));
    await a.everything();
  });
  afterAll(async () => c?.close());

  ROUTE_TABLE.forEach((entry, index) => {
    it(`${entry.key}: a second tenant cannot reach the first one's data`, async () => {
      // A fresh second tenant per route: what one check creates in B cannot hide another's leak.
      const b = new TenantFixtures(tenant(c, `tenant-b-${index}`), platformCallers(c, `tenant-b-${index}`));
      await entry.isolation({ entry, a, b, request: await entry.valid(a) });
    });
  });
});
