// What the load benchmark needs on a fresh companion: a REST upstream on loopback (100 rows), a
// datasource on it, a cached field and an uncached one, and a parent/child pair for recalculate.
// Made through the API like an admin would.
import { createServer, type Server } from 'node:http';
import { request } from 'undici';

export const UPSTREAM_ROWS = Array.from({ length: 100 }, (_, i) => ({ id: `c${i + 1}`, name: `Customer ${i + 1}`, tier: i % 3 ? 'silver' : 'gold' }));

export async function startLoadUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const body = JSON.stringify({ rows: UPSTREAM_ROWS });
  const server: Server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface LoadTargets {
  cachedField: string;
  uncachedField: string;
  parentKey: string;
}

export async function createLoadTargets(companionUrl: string, upstreamUrl: string, token: () => Promise<string>): Promise<LoadTargets> {
  const post = async (path: string, body: unknown) => {
    const res = await request(`${companionUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token()}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode !== 201) throw new Error(`${path} answered ${res.statusCode}: ${text}`);
    return JSON.parse(text) as { id: string };
  };
  const ds = await post('/v1/admin/datasources', { name: 'Load CRM', type: 'rest', config: { baseUrl: upstreamUrl }, cacheTtlSeconds: 3600 });
  const field = (key: string, cacheTtlSeconds: number | null, query = '/rows') =>
    post('/v1/admin/fields', {
      key, name: key, datasourceId: ds.id, editor: 'select', storage: 'object', query, resultPath: '$.rows[*]',
      idTemplate: '${row.id}', displayTemplate: '${row.name}', cacheTtlSeconds,
    });
  const cached = await field('customfield_10500', 3600);
  const uncached = await field('customfield_10501', 0);
  await field('customfield_10502', 3600, '/rows?parent=$issue.customfield_10500.id');
  await field('customfield_10503', 3600, '/rows?grandparent=$issue.customfield_10502.id');
  return { cachedField: cached.id, uncachedField: uncached.id, parentKey: 'customfield_10500' };
}
