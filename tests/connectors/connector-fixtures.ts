// Shared steps of the connector suites: create datasources and fields through the admin API the
// way the admin page does, and run the configuration tester (preview) on them.
import { expect } from 'vitest';
import type { TestCompanion, CallOptions } from '../helpers/test-companion.js';

let nextKey = 10_100;
export const freshFieldKey = () => `customfield_${nextKey++}`;

export async function createDatasource(c: TestCompanion, body: Record<string, unknown>, options: CallOptions = {}): Promise<string> {
  const res = await c.call('POST', '/v1/admin/datasources', { ...options, body: { name: 'Sample', ...body } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}

export interface FieldSpec {
  query?: string;
  resultPath?: string | null;
  idTemplate?: string | null;
  displayTemplate?: string | null;
  storage?: 'snapshot' | 'object';
  key?: string;
}

export async function createField(c: TestCompanion, datasourceId: string, spec: FieldSpec, options: CallOptions = {}): Promise<{ id: string; key: string }> {
  const key = spec.key ?? freshFieldKey();
  const res = await c.call('POST', '/v1/admin/fields', {
    ...options,
    body: {
      key,
      name: `Field ${key}`,
      datasourceId,
      editor: 'select',
      storage: spec.storage ?? 'object',
      query: spec.query ?? '',
      resultPath: spec.resultPath ?? null,
      idTemplate: spec.idTemplate ?? null,
      displayTemplate: spec.displayTemplate ?? null,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return { id: res.json().id as string, key };
}

export function preview(c: TestCompanion, fieldIdOrKey: string, body: Record<string, unknown> = {}, options: CallOptions = {}) {
  return c.call('POST', `/v1/admin/fields/${fieldIdOrKey}/preview`, { ...options, body });
}

/** A datasource plus a field on it, previewed once: the usual shape of a connector test. */
export async function previewOf(c: TestCompanion, datasource: Record<string, unknown>, spec: FieldSpec, body: Record<string, unknown> = {}, options: CallOptions = {}) {
  const dsId = await createDatasource(c, datasource, options);
  const field = await createField(c, dsId, spec, options);
  return { dsId, field, res: await preview(c, field.id, body, options) };
}

export function testConnection(c: TestCompanion, datasourceId: string, options: CallOptions = {}) {
  return c.call('POST', `/v1/admin/datasources/${datasourceId}/test`, options);
}

/** No secret of `secrets` appears in any captured log line. */
export function expectNoSecretInLogs(c: TestCompanion, secrets: string[]) {
  const all = c.logs.join('\n');
  for (const s of secrets) expect(all.includes(s), `a log line contains ${s.slice(0, 4)}…`).toBe(false);
}
