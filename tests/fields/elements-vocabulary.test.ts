// Configurations copied from Elements Connect work as its documentation says (issue 11):
// `$currentUser.displayName/emailAddress/locale/timeZone` read from a real HTTP stand-in for Jira's
// /myself with the user's token and bound in SQL on the real PostgreSQL; `${data.*}` of read-only
// fields rendered once over the whole answer; REST queries whose directives stand on lines of their
// own; `$issue.project` and `$issue.issueType`.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { withAdmin } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';

const adminUrl = inject('postgresAdminUrl');
const EDIT = { moduleKey: 'connected-field-edit' };
const ALICE = '5b10ac8d82e05b22cc7d4ef5';
const BOB = '557058:f58131cb-b67d-43c7-b30d-6b58d40bd077';
const PROFILES: Record<string, Record<string, string>> = {
  'alice-token': { accountId: ALICE, displayName: 'Alice Martin', emailAddress: 'alice@example.com', locale: 'fr_FR', timeZone: 'Europe/Paris' },
  'bob-token': { accountId: BOB, displayName: 'Bob Stone', emailAddress: 'bob@example.com', locale: 'en_US', timeZone: 'America/Denver' },
};

/** A stand-in for Jira (/rest/api/3/myself by bearer token) plus a small REST API; counts hits. */
class JiraAndApi {
  hits: string[] = [];
  private server!: Server;
  url = '';
  async start() {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      this.hits.push(`${url.pathname}${url.search}`);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === '/jira/rest/api/3/myself') {
        const profile = PROFILES[(req.headers.authorization ?? '').replace(/^Bearer /, '')];
        return profile ? send(200, { ...profile, active: true, self: 'x' }) : send(401, { message: 'bad token' });
      }
      if (url.pathname === '/printers/42') return send(200, { name: 'HP LaserJet', floor: 3, queue: { jobs: 7 } });
      if (url.pathname === '/printers') return send(200, { items: [{ id: 'p1', name: `Printer ${url.searchParams.get('q') ?? ''}` }] });
      return send(404, { message: 'no such path' });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }
  count(path: string) {
    return this.hits.filter((h) => h === path).length;
  }
  stop() {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('the Elements Connect template vocabulary', () => {
  let c: TestCompanion;
  let up: JiraAndApi;
  let restId: string;

  const defineField = async (key: string, datasourceId: string, body: Record<string, unknown>) => {
    const res = await c.call('POST', '/v1/admin/fields', { body: { key, name: key, datasourceId, editor: 'select', storage: 'snapshot', ...body } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; warnings?: unknown[] };
  };
  const optionsAs = (key: string, token: string | undefined, principal: string, body: Record<string, unknown> = {}) =>
    c.call('POST', `/v1/fields/${key}/options`, {
      ...EDIT,
      principal,
      apiBaseUrl: `${up.url}/jira`,
      headers: token ? { 'x-forge-oauth-user': token, 'x-forge-oauth-system': 'system-token' } : { 'x-forge-oauth-system': 'system-token' },
      body,
    });

  beforeAll(async () => {
    up = await new JiraAndApi().start();
    c = await startTestCompanion('embedded', { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
    const ds = await c.call('POST', '/v1/admin/datasources', { body: { name: 'Printers', type: 'rest', config: { baseUrl: up.url } } });
    restId = ds.json().id;
  });
  afterAll(async () => {
    await c?.close();
    await up?.stop();
  });

  it('renders a read-only field once over the whole answer as ${data.*}', async () => {
    await defineField('customfield_61001', restId, { editor: 'readonly', query: '/printers/42', displayTemplate: '${data.name}, floor ${data.floor} (${data.queue.jobs} jobs)' });
    const res = await optionsAs('customfield_61001', undefined, ALICE);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().options).toEqual([{ id: 'HP LaserJet, floor 3 (7 jobs)', value: 'HP LaserJet, floor 3 (7 jobs)' }]);
    // $resultSet: the selected rows, for a template that lists them.
    await defineField('customfield_61002', restId, { editor: 'readonly', query: '/printers?q=A', resultPath: '$.items[*]', displayTemplate: '#foreach($r in $resultSet)${r.id}=${r.name}#end' });
    expect((await optionsAs('customfield_61002', undefined, ALICE)).json().options).toEqual([{ id: 'p1=Printer A', value: 'p1=Printer A' }]);
  });

  it('renders a REST query whose Velocity directives stand on lines of their own', async () => {
    const query = ['## the printer picked by the project', '#set($q = $issue.project.key)', '#if($q)', '/printers?q=${q}-$issue.issueType', '#else', '/printers?q=none', '#end'].join('\n');
    await defineField('customfield_61003', restId, { query, resultPath: '$.items[*]', displayTemplate: '${row.name}' });
    const res = await optionsAs('customfield_61003', undefined, ALICE, { context: { issue: { projectKey: 'OPS', projectId: '10001', issueTypeId: '10004' } } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().options).toEqual([{ id: 'p1', value: 'Printer OPS-10004' }]);
    expect(up.count('/printers?q=OPS-10004')).toBe(1);
    const other = await optionsAs('customfield_61003', undefined, ALICE, { context: { issue: { issueTypeId: '10004' } } });
    expect(other.json().options[0].value).toBe('Printer none');
  });

  it('reads $currentUser.displayName from Jira with the user token, once a minute per user, and never with the app token', async () => {
    await defineField('customfield_61004', restId, { query: '/printers?q=$currentUser.displayName|$currentUser.timeZone|$currentUser.accountId', resultPath: '$.items[*]', displayTemplate: '${row.name}' });
    const first = await optionsAs('customfield_61004', 'alice-token', ALICE);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().options).toEqual([{ id: 'p1', value: `Printer Alice Martin|Europe/Paris|${ALICE}` }]);
    expect(up.count('/jira/rest/api/3/myself')).toBe(1);
    // Memoised for a minute (the companion's clock), per token: Bob gets his own profile.
    await optionsAs('customfield_61004', 'alice-token', ALICE, { input: 'again' });
    expect(up.count('/jira/rest/api/3/myself')).toBe(1);
    const bob = await optionsAs('customfield_61004', 'bob-token', BOB);
    expect(bob.json().options[0].value).toBe(`Printer Bob Stone|America/Denver|${BOB}`);
    expect(up.count('/jira/rest/api/3/myself')).toBe(2);
    c.clock.advance(61_000);
    await optionsAs('customfield_61004', 'alice-token', ALICE);
    expect(up.count('/jira/rest/api/3/myself')).toBe(3);
    // No profile or token in a log line.
    expect(c.logs.join('\n')).not.toMatch(/alice@example.com|Alice Martin|alice-token/);
  });

  it('the tester reads the profile as the runtime does and shows each reference with its value', async () => {
    const res = await c.call('POST', '/v1/admin/fields/customfield_61004/preview', {
      principal: BOB,
      apiBaseUrl: `${up.url}/jira`,
      headers: { 'x-forge-oauth-user': 'bob-token' },
      body: {},
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().options).toEqual([{ id: 'p1', value: `Printer Bob Stone|America/Denver|${BOB}` }]);
    expect(res.json().bindings).toEqual([
      { line: 1, reference: '$currentUser.displayName', value: 'Bob Stone', resolved: true },
      { line: 1, reference: '$currentUser.timeZone', value: 'America/Denver', resolved: true },
      { line: 1, reference: '$currentUser.accountId', value: BOB, resolved: true },
    ]);
  });

  it('answers 422 current_user_unavailable when the profile cannot be read, or is another user’s', async () => {
    const noToken = await optionsAs('customfield_61004', undefined, ALICE);
    expect(noToken.statusCode).toBe(422);
    expect(noToken.json().error.code).toBe('current_user_unavailable');
    expect(noToken.json().error.message).toMatch(/x-forge-oauth-user/);
    const rejected = await optionsAs('customfield_61004', 'revoked-token', ALICE);
    expect(rejected.statusCode).toBe(422);
    expect(rejected.json().error.message).toMatch(/HTTP 401/);
    // Bob's token with Alice as the caller: nobody's profile fills in another's query.
    const mismatch = await optionsAs('customfield_61004', 'bob-token', ALICE);
    expect(mismatch.statusCode).toBe(422);
    expect(mismatch.json().error.message).toMatch(/another user/);
  });

  describe.skipIf(!adminUrl)('in SQL on the real PostgreSQL', () => {
    const scratch = `oc_elements_${randomBytes(5).toString('hex')}`;
    const scratchUrl = () => Object.assign(new URL(adminUrl!), { pathname: `/${scratch}` }).toString();

    beforeAll(async () => {
      await withAdmin(adminUrl!, (a) => a.query(`CREATE DATABASE ${scratch}`));
      await withAdmin(scratchUrl(), async (s) => {
        await s.query('CREATE TABLE employees (email text, name text, locale text, manager text)');
        await s.query("INSERT INTO employees VALUES ('alice@example.com', 'Alice Martin', 'fr_FR', 'Carol'), ('bob@example.com', 'Bob Stone', 'en_US', 'Dave')");
      });
    });
    afterAll(async () => {
      await withAdmin(adminUrl!, (a) => a.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`));
    });

    it('binds $currentUser.emailAddress, .displayName and .locale as parameters, as Elements documents them (no quotes)', async () => {
      const pgUrl = new URL(adminUrl!);
      const ds = await c.call('POST', '/v1/admin/datasources', {
        body: { name: 'HR', type: 'postgresql', config: { host: '127.0.0.1', port: Number(pgUrl.port || 5432), database: scratch, user: 'postgres' }, secrets: { password: 'unused' } },
      });
      expect(ds.statusCode, ds.body).toBe(201);
      await defineField('customfield_61005', ds.json().id, {
        query: 'SELECT manager FROM employees WHERE email = $currentUser.emailAddress AND name = $currentUser.displayName AND locale = $currentUser.locale',
        idTemplate: '${row.manager}',
        displayTemplate: '${row.manager}',
      });
      expect((await optionsAs('customfield_61005', 'alice-token', ALICE)).json().options).toEqual([{ id: 'Carol', value: 'Carol' }]);
      expect((await optionsAs('customfield_61005', 'bob-token', BOB)).json().options).toEqual([{ id: 'Dave', value: 'Dave' }]);
    });
  });
});
