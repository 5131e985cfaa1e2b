// The mapping document at the contract's limit (5,000 mappings) read in pages and changed a page at
// a time (PATCH set/remove against the version read), so that no call from the admin page has to
// carry the whole document; refusals say which entry is wrong (error.details).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { hasErrorShape } from '../proof/support/proof-client.js';

const ITEMS = 50;
const PROJECTS = 100; // 50 items × 100 projects = the contract's 5,000
const staticDs = { name: 'Customers', type: 'static', config: { format: 'json', data: '[]' } };
const project = (n: number) => String(20_000 + n);
const mapping = (itemId: string, p: number, over: Record<string, unknown> = {}) => ({
  itemId,
  projectId: project(p),
  issueTypeIds: ['10001', String(30_000 + p)],
  requestTypeIds: [],
  hidden: false,
  ...over,
});

describe.each(databaseKinds())('mapping pages on %s', (kind) => {
  let c: TestCompanion;
  let items: string[];
  let full: Array<ReturnType<typeof mapping>>;
  const read = async (query = '') => {
    const res = await c.call('GET', `/v1/admin/mappings${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const patch = (body: unknown) => c.call('PATCH', '/v1/admin/mappings', { body, principal: 'acc-admin' });

  beforeAll(async () => {
    c = await startTestCompanion(kind);
    const dsId = (await c.call('POST', '/v1/admin/datasources', { body: staticDs })).json().id;
    items = [];
    for (let i = 0; i < ITEMS; i++) {
      const res = await c.call('POST', '/v1/admin/items', { body: { key: `connected_item_${100 + i}`, name: `Item ${i}`, datasourceId: dsId, editor: 'select' } });
      expect(res.statusCode, res.body).toBe(201);
      items.push(res.json().id);
    }
    full = items.flatMap((id) => Array.from({ length: PROJECTS }, (_, p) => mapping(id, p)));
    const put = await c.call('PUT', '/v1/admin/mappings', { body: { version: (await read()).version, mappings: full } });
    expect(put.statusCode, put.body.slice(0, 300)).toBe(200);
  }, 120_000);
  afterAll(async () => c?.close());

  it('reads 5,000 mappings in pages, in document order, and one item\'s mappings alone', async () => {
    const whole = await read();
    expect(whole.mappings).toHaveLength(5000);
    const paged: unknown[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { version: number; mappings: unknown[]; nextCursor: string | null } = await read(`?limit=1000${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.version).toBe(whole.version);
      paged.push(...page.mappings);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(paged).toEqual(whole.mappings);
    const one = await read(`?itemId=${items[7]}`);
    expect(one.mappings).toEqual(full.filter((m) => m.itemId === items[7]));
    expect(one.nextCursor).toBeNull();
    expect((await read(`?projectId=${project(3)}&limit=10`)).mappings.map((m: { itemId: string }) => m.itemId)).toEqual(items.slice(0, 10));
    expect((await c.call('GET', '/v1/admin/mappings?cursor=x')).statusCode).toBe(400);
  });

  it('changes a page at a time: replaced mappings keep their place, the limit holds, a stale version changes nothing', async () => {
    const before = await read();
    const changed = mapping(items[0]!, 5, { issueTypeIds: ['10002'], hidden: true });
    const res = await patch({ version: before.version, set: [changed], remove: [{ itemId: items[1], projectId: project(0) }] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ version: before.version + 1, set: 1, removed: 1, total: 4999 });
    const after = await read();
    expect(after.mappings[5]).toEqual(changed);
    expect(after.mappings).toHaveLength(4999);

    // Two new ones would make 5,001: refused whole, nothing changes.
    const over = await patch({ version: after.version, set: [mapping(items[1]!, 0), mapping(items[1]!, 500)] });
    expect(over.statusCode, over.body).toBe(422);
    expect(over.json().error).toMatchObject({ code: 'too_many_mappings', details: [{ path: '/set', message: expect.any(String) }] });
    expect(await read()).toEqual(after);

    const stale = await patch({ version: before.version, set: [], remove: [{ itemId: items[2], projectId: project(0) }] });
    expect(stale.statusCode).toBe(409);
    expect((await read()).mappings).toHaveLength(4999);

    // A new mapping goes at the end of the document.
    const added = await patch({ version: after.version, set: [mapping(items[1]!, 0)] });
    expect(added.json()).toMatchObject({ total: 5000 });
    expect((await read()).mappings.at(-1)).toEqual(mapping(items[1]!, 0));
    const audit = (await c.call('GET', '/v1/admin/audit?limit=1')).json().events[0];
    expect(audit).toMatchObject({ action: 'mappings.changed', actor: 'acc-admin', after: { mappings: [mapping(items[1]!, 0)] } });
  });

  it('says which entry of a page is wrong, beside its place in the body', async () => {
    const { version } = await read();
    const cases: Array<[unknown, number, string, string]> = [
      [{ version, set: [mapping(items[0]!, 1), mapping(items[0]!, 1)] }, 400, 'validation_failed', '/set/1/projectId'],
      [{ version, set: [mapping('00000000-0000-4000-8000-000000000000', 1)] }, 422, 'unknown_item', '/set/0/itemId'],
      [{ version, set: [mapping(items[0]!, 1)], remove: [{ itemId: items[0], projectId: project(1) }] }, 400, 'validation_failed', '/remove/0'],
      [{ version, set: [{ ...mapping(items[0]!, 1), projectId: 'PROJ' }] }, 400, 'validation_failed', '/set/0/projectId'],
      [{ version, set: [{ ...mapping(items[0]!, 1), issueTypeIds: ['10001', 'x'] }] }, 400, 'validation_failed', '/set/0/issueTypeIds/1'],
      [{ version, remove: [{ itemId: items[0] }] }, 400, 'validation_failed', '/remove/0/projectId'],
    ];
    for (const [body, status, code, path] of cases) {
      const res = await patch(body);
      expect(res.statusCode, res.body).toBe(status);
      expect(hasErrorShape(res.body), res.body).toBe(true);
      expect(res.json().error.code).toBe(code);
      expect(res.json().error.details, res.body).toEqual([{ path, message: expect.any(String) }]);
    }
    expect((await read()).version).toBe(version);
  });
});
