// GET /metrics (Prometheus, prom-client) on its own token-guarded port, never on the companion's
// public one; per-route and per-datasource series labelled with patterns and ids only; and the admin
// health route, which shows a tenant its own datasources' recent health and nobody else's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { CountingUpstream } from '../fields/support/counting-upstream.js';

const EDIT = { moduleKey: 'connected-field-edit' };
const TOKEN = randomBytes(24).toString('hex');
const SECRET = `bearer-secret-${randomBytes(6).toString('hex')}`;
const TYPED = `typed-needle-${randomBytes(6).toString('hex')}`;
/** The series this companion defines (Node's process metrics have labels of their own). */
const OURS = /^oc_(http|upstream|options)_/;
const LABELS = new Set(['method', 'route', 'status_code', 'tenant_id', 'datasource_id', 'datasource_type', 'code', 'outcome', 'answer', 'le']);

/** `name{a="x",b="y"} value` lines → value by the exact series text before the value. */
function series(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe.each(databaseKinds())('metrics on %s', (kind) => {
  let c: TestCompanion;
  let up: CountingUpstream;
  let tenantId: string;
  let datasourceId: string;
  let fieldKey: string;
  const scrape = (authorization: string | null = `Bearer ${TOKEN}`) =>
    fetch(`${c.metricsAddress}/metrics`, { headers: authorization ? { authorization } : {} });

  beforeAll(async () => {
    up = await CountingUpstream.start();
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1', METRICS_PORT: '0', METRICS_TOKEN: TOKEN } });
    const ds = await c.call('POST', '/v1/admin/datasources', {
      body: { name: 'CRM', type: 'rest', config: { baseUrl: up.url, auth: { mode: 'bearer' } }, secrets: { token: SECRET } },
    });
    expect(ds.statusCode, ds.body).toBe(201);
    datasourceId = ds.json().id;
    fieldKey = `customfield_${10000 + Math.floor(Math.random() * 80000)}`;
    const field = await c.call('POST', '/v1/admin/fields', {
      body: { key: fieldKey, name: 'Customer', datasourceId, editor: 'autocomplete', storage: 'object', query: '/customers?q=$userInput', resultPath: '$.items[*]', idTemplate: '${row.id}', displayTemplate: '${row.name}' },
    });
    expect(field.statusCode, field.body).toBe(201);
    tenantId = (await c.db.tenant.findFirstOrThrow({ where: { installationId: 'install-a' } })).id;
  });
  afterAll(async () => {
    await c?.close();
    await up?.stop();
  });

  it('is not served on the companion\'s own port', async () => {
    for (const token of [null, undefined]) {
      const res = await c.call('GET', '/metrics', { token });
      expect(res.statusCode).toBe(404);
    }
  });

  it('answers a scrape only with the metrics token', async () => {
    for (const authorization of [null, 'Bearer wrong-token-of-some-length', `Bearer ${TOKEN}x`, TOKEN]) {
      const res = await scrape(authorization);
      expect(res.status, String(authorization)).toBe(401);
      expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
    }
    const ok = await scrape();
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect((await fetch(`${c.metricsAddress}/other`)).status).toBe(404);
  });

  it('counts requests by route pattern and upstream calls, errors and cache outcomes by datasource id, and nothing else', async () => {
    const ask = () => c.call('POST', `/v1/fields/${fieldKey}/options`, { ...EDIT, body: { input: TYPED } });
    expect((await ask()).json().cache).toBe('miss');
    expect((await ask()).json().cache).toBe('hit');
    up.failing = true;
    const failed = await c.call('POST', `/v1/fields/${fieldKey}/options`, { ...EDIT, body: { input: `${TYPED}-2` } });
    up.failing = false;
    expect(failed.statusCode).toBe(502);
    const code = failed.json().error.code as string;

    const text = await (await scrape()).text();
    const s = series(text);
    const ds = `tenant_id="${tenantId}",datasource_id="${datasourceId}"`;
    expect(s.get(`oc_http_request_duration_seconds_count{method="POST",route="/v1/fields/:id/options",status_code="200"}`)).toBe(2);
    expect(s.get(`oc_http_request_duration_seconds_count{method="POST",route="/v1/fields/:id/options",status_code="502"}`)).toBe(1);
    expect(s.get(`oc_upstream_calls_total{${ds},datasource_type="rest"}`)).toBe(2);
    expect(s.get(`oc_upstream_duration_seconds_count{${ds},datasource_type="rest"}`)).toBe(2);
    expect(s.get(`oc_upstream_errors_total{${ds},datasource_type="rest",code="${code}"}`)).toBe(1);
    expect(s.get(`oc_options_cache_lookups_total{${ds},outcome="hit"}`)).toBe(1);
    expect(s.get(`oc_options_cache_lookups_total{${ds},outcome="miss"}`)).toBe(1);

    // Patterns and ids only: no URL, typed text, field key, secret or upstream address in any label.
    for (const leaked of [fieldKey, TYPED, SECRET, up.url, String(new URL(up.url).port), 'install-a']) expect(text).not.toContain(leaked);
    for (const name of [...s.keys()].filter((k) => OURS.test(k))) {
      for (const [, label] of name.matchAll(/([a-z_]+)="/g)) expect(LABELS, `${label} in ${name}`).toContain(label);
    }
  });

  it('shows each tenant its own datasources\' recent health on the admin page, and nobody else\'s', async () => {
    const mine = await c.call('GET', '/v1/admin/health');
    expect(mine.statusCode, mine.body).toBe(200);
    const report = mine.json();
    expect(report).toMatchObject({ windowMinutes: 60, slotMinutes: 5 });
    const crm = report.datasources.find((d: { id: string }) => d.id === datasourceId);
    expect(crm).toMatchObject({ name: 'CRM', type: 'rest', calls: 2, errors: 1, hits: 1, misses: 1, stale: 0, hitRatio: 0.5 });
    expect(crm.p95Ms).toBeGreaterThan(0);
    expect(crm.slots).toHaveLength(12);
    expect(crm.slots.at(-1)).toMatchObject({ calls: 2, errors: 1, hits: 1, misses: 1 });

    const theirs = await c.call('GET', '/v1/admin/health', { installationId: 'install-b' });
    expect(theirs.statusCode).toBe(200);
    expect(theirs.json().datasources).toEqual([]);
    expect(JSON.stringify(theirs.json())).not.toContain(datasourceId);

    // Only the last hour counts.
    c.clock.advance(61 * 60_000);
    const later = (await c.call('GET', '/v1/admin/health')).json().datasources.find((d: { id: string }) => d.id === datasourceId);
    expect(later).toMatchObject({ calls: 0, errors: 0, hits: 0, misses: 0, p95Ms: null, hitRatio: null });
  });
});
