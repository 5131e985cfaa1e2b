// Who may see a cached answer (DESIGN.md "Where each piece of data lives"): a Jira datasource called
// as the user (x-forge-oauth-user) answers what that user may see, so its answer is cached and
// single-flighted per accountId; answers fetched with the app's token or the datasource's own
// credentials stay shared. Against a real loopback server playing Jira that answers per token.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { AS_FIELD_RESOLVER } from '../helpers/forge-tokens.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { CRM_SECRET, PerUserJira } from './support/per-user-jira.js';

const asUser = (principal: string, token: string) => ({ moduleKey: 'connected-field-edit', principal, headers: { 'x-forge-oauth-user': token } });
const SECRET_PROJECT = [{ id: '10000', value: 'SECRET' }];

describe.each(databaseKinds())('options cached per user on %s', (kind) => {
  let c: TestCompanion;
  let jira: PerUserJira;
  let jiraDs: string;
  let n = 51000;

  const newConfig = async (route: 'fields' | 'items', datasourceId: string, query: string) => {
    n += 1;
    const key = route === 'fields' ? `customfield_${n}` : `connected_item_${n}`;
    const res = await c.call('POST', `/v1/admin/${route}`, {
      body: { key, name: `Picker ${n}`, datasourceId, editor: 'select', ...(route === 'fields' ? { storage: 'object' } : {}), query, resultPath: '$.values[*]', idTemplate: '${row.id}', displayTemplate: '${row.key}' },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; key: string };
  };
  // A distinct query per config keeps the server's counts apart.
  const projectPicker = (route: 'fields' | 'items' = 'fields') => newConfig(route, jiraDs, `/rest/api/3/project/search?query=${n + 1}`);
  const options = (field: { id: string }, who: Record<string, unknown>) =>
    c.call('POST', `/v1/fields/${field.id}/options`, { apiBaseUrl: jira.url, ...who, body: {} });

  beforeAll(async () => {
    jira = await PerUserJira.start();
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
    const res = await c.call('POST', '/v1/admin/datasources', { body: { name: 'Jira', type: 'jira', config: {} } });
    expect(res.statusCode, res.body).toBe(201);
    jiraDs = res.json().id;
  });
  afterAll(async () => {
    await c?.close();
    await jira?.stop();
  });
  beforeEach(() => jira.reset());

  it('never answers user B from user A\'s cache entry, even after it expired (no stale copy either)', async () => {
    const field = await projectPicker();
    const a = await options(field, asUser('acc-a', 'token-a'));
    expect(a.statusCode, a.body).toBe(200);
    expect(a.json()).toMatchObject({ options: SECRET_PROJECT, cache: 'miss' });
    expect((await options(field, asUser('acc-a', 'token-a'))).json()).toMatchObject({ options: SECRET_PROJECT, cache: 'hit' });

    // Jira refuses B: B gets Jira's refusal, not A's projects.
    const b = await options(field, asUser('acc-b', 'token-b'));
    expect(b.statusCode, b.body).toBe(502);
    expect(b.json().error).toMatchObject({ code: 'upstream_error', message: 'Datasource "Jira" answered HTTP 403 (check its credentials)' });
    expect(b.body).not.toContain('SECRET');
    // C sees other projects: C's own answer, fetched as C.
    expect((await options(field, asUser('acc-c', 'token-c'))).json()).toMatchObject({ options: [{ id: '10001', value: 'OPS' }], cache: 'miss' });
    expect([jira.callsWith('token-a'), jira.callsWith('token-b'), jira.callsWith('token-c')]).toEqual([1, 1, 1]);

    // Past the TTL A's entry is only a stale copy: B's refusal is still not answered with it.
    c.clock.advance(301_000);
    const later = await options(field, asUser('acc-b', 'token-b'));
    expect(later.statusCode).toBe(502);
    expect(later.body).not.toContain('SECRET');
  });

  it('drops a user\'s cached answer once Jira refuses that user: no stale copy after they lost access, while an outage still gets one', async () => {
    const field = await projectPicker();
    expect((await options(field, asUser('acc-a', 'token-a'))).json()).toMatchObject({ options: SECRET_PROJECT, cache: 'miss' });
    expect((await options(field, asUser('acc-c', 'token-c'))).json()).toMatchObject({ options: [{ id: '10001', value: 'OPS' }], cache: 'miss' });
    c.clock.advance(301_000);

    // Jira down for C: C's own stale copy, as for any upstream outage.
    jira.answerWith('token-c', 503);
    expect((await options(field, asUser('acc-c', 'token-c'))).json()).toMatchObject({ options: [{ id: '10001', value: 'OPS' }], cache: 'stale' });

    // A lost access to the project: refused, and not answered with what A could see before...
    jira.answerWith('token-a', 403);
    const refused = await options(field, asUser('acc-a', 'token-a'));
    expect(refused.statusCode, refused.body).toBe(502);
    expect(refused.body).not.toContain('SECRET');
    // ...nor later, when Jira fails for A for any reason: that copy is gone from both layers.
    jira.answerWith('token-a', 503);
    const outage = await options(field, asUser('acc-a', 'token-a'));
    expect(outage.statusCode, outage.body).toBe(502);
    expect(outage.body).not.toContain('SECRET');
    expect(jira.callsWith('token-a')).toBe(3);
  });

  it('does not let B join A\'s fetch in flight: each user\'s miss asks Jira with their own token', async () => {
    const field = await projectPicker();
    jira.hold('token-a');
    const a = options(field, asUser('acc-a', 'token-a'));
    await jira.seen('token-a');
    const b = options(field, asUser('acc-b', 'token-b'));
    // B's own request reaches Jira while A's is still held. Were B waiting on A's fetch instead,
    // it would not: then the fallback releases A, and B ends with A's answer (which fails below).
    const fallback = setTimeout(() => jira.release(), 5_000);
    await Promise.race([jira.seen('token-b'), b]);
    jira.release();
    clearTimeout(fallback);
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra.json()).toMatchObject({ options: SECRET_PROJECT, cache: 'miss' });
    expect(rb.statusCode, rb.body).toBe(502);
    expect(rb.body).not.toContain('SECRET');
    expect([jira.callsWith('token-a'), jira.callsWith('token-b')]).toEqual([1, 1]);
  });

  it('keeps answers fetched with the app\'s token shared: one call to Jira for two users', async () => {
    const field = await projectPicker();
    const app = (principal: string) => ({ moduleKey: 'connected-field-edit', principal, headers: { 'x-forge-oauth-system': 'token-app' } });
    expect((await options(field, app('acc-a'))).json()).toMatchObject({ cache: 'miss', options: [{ id: '10000', value: 'SECRET' }, { id: '10001', value: 'OPS' }] });
    expect((await options(field, app('acc-b'))).json()).toMatchObject({ cache: 'hit' });
    expect(jira.hits).toEqual([{ path: expect.stringContaining('/rest/api/3/project/search'), token: 'token-app' }]);
    // A user's own token never reads the app's shared entry either: the app may see more than the user.
    expect((await options(field, { ...asUser('acc-b', 'token-b'), headers: { 'x-forge-oauth-user': 'token-b', 'x-forge-oauth-system': 'token-app' } })).statusCode).toBe(502);
  });

  it('keeps a datasource-credential answer shared: one upstream call for two users', async () => {
    const ds = await c.call('POST', '/v1/admin/datasources', {
      body: { name: 'CRM', type: 'rest', config: { baseUrl: `${jira.url}/crm`, auth: { mode: 'bearer' } }, secrets: { token: CRM_SECRET } },
    });
    expect(ds.statusCode, ds.body).toBe(201);
    const res = await c.call('POST', '/v1/admin/fields', {
      body: { key: 'customfield_59999', name: 'Customer', datasourceId: ds.json().id, editor: 'select', storage: 'object', query: '/customers', resultPath: '$.items[*]', idTemplate: '${row.id}', displayTemplate: '${row.name}' },
    });
    const field = res.json();
    // Both users' requests carry their own Jira token; the CRM is called with the datasource's secret.
    expect((await options(field, asUser('acc-a', 'token-a'))).json()).toMatchObject({ cache: 'miss', options: [{ id: 'c1', value: 'Acme' }, { id: 'c2', value: 'Globex' }] });
    expect((await options(field, asUser('acc-b', 'token-b'))).json()).toMatchObject({ cache: 'hit', options: [{ id: 'c1', value: 'Acme' }, { id: 'c2', value: 'Globex' }] });
    expect(jira.hits).toEqual([{ path: '/crm/customers', token: CRM_SECRET }]);
  });

  it('caches connected items\' options per user too', async () => {
    const item = await projectPicker('items');
    const itemOptions = (accountId: string, token: string) =>
      c.call('POST', `/v1/items/${item.id}/options`, {
        ...AS_FIELD_RESOLVER,
        apiBaseUrl: jira.url,
        headers: { 'x-forge-oauth-user': token },
        body: { context: { issue: { id: '10001' }, user: { accountId } } },
      });
    expect((await itemOptions('acc-a', 'token-a')).json()).toMatchObject({ options: SECRET_PROJECT, cache: 'miss' });
    expect((await itemOptions('acc-a', 'token-a')).json()).toMatchObject({ cache: 'hit' });
    const b = await itemOptions('acc-b', 'token-b');
    expect(b.statusCode, b.body).toBe(502);
    expect(b.body).not.toContain('SECRET');
  });

  it('does not cache an answer fetched under a user\'s token when the user is unknown', async () => {
    const field = await projectPicker();
    // A resolver's call that names no user but forwards a user token: nobody to key the entry by.
    const anonymous = { ...AS_FIELD_RESOLVER, headers: { 'x-forge-oauth-user': 'token-a' } };
    expect((await options(field, anonymous)).json()).toMatchObject({ cache: 'off', options: SECRET_PROJECT });
    expect((await options(field, asUser('acc-b', 'token-b'))).statusCode).toBe(502);
  });
});
