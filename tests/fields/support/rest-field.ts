// A connected field over the counting upstream's `/customers` (tests/fields/support/counting-upstream.ts),
// created through the admin API: number `n` gets key customfield_<n> and a path of its own
// (`/customers?f=<n>`), which keeps the upstream's counts of each field apart.
import { expect } from 'vitest';
import type { TestCompanion } from '../../helpers/test-companion.js';

export interface CreatedField {
  id: string;
  key: string;
  version: number;
  query: string;
}

export async function createCustomerField(c: TestCompanion, datasourceId: string, n: number, extra: Record<string, unknown> = {}): Promise<CreatedField> {
  const res = await c.call('POST', '/v1/admin/fields', {
    body: {
      key: `customfield_${n}`,
      name: `Customer ${n}`,
      datasourceId,
      editor: 'select',
      storage: 'object',
      query: `/customers?f=${n}`,
      resultPath: '$.items[*]',
      idTemplate: '${row.id}',
      displayTemplate: '${row.name}',
      ...extra,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as CreatedField;
}

/** A REST datasource "CRM" on `baseUrl` with no auth, created through the admin API: its id. */
export async function createCrmDatasource(c: TestCompanion, baseUrl: string): Promise<{ id: string }> {
  const res = await c.call('POST', '/v1/admin/datasources', { body: { name: 'CRM', type: 'rest', config: { baseUrl, auth: { mode: 'none' } } } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}
