// The egress guard: no datasource connection (REST, OAuth2 token URL, redirect, SQL host, Jira)
// reaches loopback, private, link-local or metadata addresses unless COMPANION_EGRESS_ALLOW lists
// them, and the refusal names the egress policy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { request } from 'undici';
import { createEgressPolicy } from '../../companion/egress/egress-policy.js';
import { createGuardedAgent, type Resolve } from '../../companion/egress/guarded-dispatcher.js';
import { sqlConnector } from '../../companion/connectors/sql-connector.js';
import { Deadline } from '../../companion/deadline.js';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { startSampleUpstream, SAMPLE_CREDENTIALS as CRED, type SampleUpstream } from '../helpers/sample-upstream.js';
import { previewOf, testConnection } from './connector-fixtures.js';

describe('egress policy decisions', () => {
  const none = createEgressPolicy([]);
  it.each(['127.0.0.1', '127.8.9.10', '::1', '10.1.2.3', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.100.100.200', '0.0.0.0', 'fd00:ec2::254', 'fe80::1', '::ffff:127.0.0.1', '::ffff:169.254.169.254', '224.0.0.1', '::ffff:7f00:1', '::7f00:1', '::a9fe:a9fe', '::a00:1', '[::7f00:1]', '64:ff9b::7f00:1', '2002:7f00:1::1'])(
    'refuses %s without an allow-list',
    (address) => {
      expect(() => none.check(address, address)).toThrow(/egress policy/);
    },
  );
  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '93.184.216.34', '::808:808'])('lets the public address %s through', (address) => {
    expect(() => none.check(address, address)).not.toThrow();
  });
  it('allows exactly what is listed: hosts, IPs and CIDR ranges', () => {
    const p = createEgressPolicy(['127.0.0.0/8', '10.20.30.40', 'db.internal', 'fd00::/8']);
    expect(() => p.check('127.0.0.5', '127.0.0.5')).not.toThrow();
    expect(() => p.check('::ffff:127.0.0.5', '::ffff:127.0.0.5')).not.toThrow();
    expect(() => p.check('10.20.30.40', '10.20.30.40')).not.toThrow();
    expect(() => p.check('10.20.30.41', '10.20.30.41')).toThrow(/egress policy/);
    expect(() => p.check('db.internal', '10.9.9.9')).not.toThrow();
    expect(() => p.check('other.internal', '10.9.9.9')).toThrow(/egress policy/);
    expect(() => p.check('fd00::1', 'fd00::1')).not.toThrow();
    expect(() => p.check('169.254.169.254', '169.254.169.254')).toThrow(/link-local/);
  });
});

describe.each(databaseKinds())('egress guard in the companion on %s', (kind) => {
  let strict: TestCompanion;
  let allowing: TestCompanion;
  let up: SampleUpstream;

  beforeAll(async () => {
    up = await startSampleUpstream();
    strict = await startTestCompanion(kind);
    allowing = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
  });
  afterAll(async () => {
    await strict?.close();
    await allowing?.close();
    await up?.close();
  });

  const expectRefused = (res: { statusCode: number; json: () => { error: { code: string; message: string } } }) => {
    expect(res.statusCode, JSON.stringify(res.json())).toBe(502);
    expect(res.json().error.code).toBe('egress_denied');
    expect(res.json().error.message).toContain('egress policy');
  };

  it.each([
    ['loopback by IP', () => up.url],
    ['loopback by name (checked on the resolved address)', () => `http://localhost:${up.port}`],
    ['IPv6 loopback', () => `http://[::1]:${up.port}`],
    ['a private address', () => 'http://10.0.0.1:8080'],
    ['the cloud metadata address', () => 'http://169.254.169.254'],
    // IPv4 loopback spelled the other ways a URL allows, and IPv6 forms that carry it.
    ['loopback in decimal', () => `http://2130706433:${up.port}`],
    ['loopback in hex', () => `http://0x7f000001:${up.port}`],
    ['loopback in octal', () => `http://0177.0.0.1:${up.port}`],
    ['loopback in short form', () => `http://127.1:${up.port}`],
    ['loopback in mixed hex', () => `http://0x7f.0.0.1:${up.port}`],
    ['IPv4-mapped IPv6 loopback', () => `http://[::ffff:127.0.0.1]:${up.port}`],
    ['IPv4-mapped IPv6 loopback in hex', () => `http://[::ffff:7f00:1]:${up.port}`],
    ['IPv4-compatible IPv6 loopback', () => `http://[::7f00:1]:${up.port}`],
    ['IPv4-compatible IPv6 metadata address', () => 'http://[::a9fe:a9fe]'],
  ])('refuses %s without an allow-list', async (_name, baseUrl) => {
    const before = up.requests.length;
    const { res, dsId } = await previewOf(strict, { type: 'rest', config: { baseUrl: baseUrl(), testPath: '/health' } }, { query: '/latest/meta-data' });
    expectRefused(res);
    const test = await testConnection(strict, dsId);
    expect(test.statusCode).toBe(200);
    expect(test.json()).toMatchObject({ ok: false, message: expect.stringContaining('egress policy') });
    expect(up.requests.length).toBe(before);
  });

  it('reaches the same server once it is allow-listed', async () => {
    const { res, dsId } = await previewOf(allowing, { type: 'rest', config: { baseUrl: up.url, testPath: '/health' } }, { query: '/projects' });
    expect(res.statusCode).toBe(200);
    expect((await testConnection(allowing, dsId)).json()).toMatchObject({ ok: true });
    // `localhost` also resolves to ::1, which is not allowed: only 127.0.0.1 is used.
    const byName = await previewOf(allowing, { type: 'rest', config: { baseUrl: `http://localhost:${up.port}` } }, { query: '/projects' });
    expect(byName.res.statusCode, byName.res.body).toBe(200);
  });

  it('checks every redirect again', async () => {
    for (const to of ['http://169.254.169.254/latest/meta-data/', 'http://127.0.0.2/health', 'http://[::1]/health']) {
      const { res } = await previewOf(allowing, { type: 'rest', config: { baseUrl: up.url } }, { query: `/redirect?to=${encodeURIComponent(to)}` });
      expectRefused(res);
    }
    const ok = await previewOf(allowing, { type: 'rest', config: { baseUrl: up.url } }, { query: `/redirect?to=${encodeURIComponent(`${up.url}/projects`)}` });
    expect(ok.res.statusCode).toBe(200);
    expect(ok.res.json().options).toHaveLength(3);
  });

  it('guards OAuth2 token URLs and SQL hosts too', async () => {
    const oauth = await previewOf(
      allowing,
      {
        type: 'rest',
        config: { baseUrl: `${up.url}/auth/oauth2`, auth: { mode: 'oauth2ClientCredentials', tokenUrl: `http://127.0.0.3:${up.port}/oauth/token`, clientId: CRED.oauth2.clientId } },
        secrets: { clientSecret: CRED.oauth2.clientSecret },
      },
      { query: '/projects' },
    );
    expectRefused(oauth.res);
    expect(oauth.res.body).not.toContain(CRED.oauth2.clientSecret);
    const sql = await previewOf(strict, { type: 'postgresql', config: { host: '127.0.0.1', port: 5432, database: 'postgres', user: 'postgres' } }, { query: 'SELECT 1 AS id' });
    expectRefused(sql.res);
    const maria = await previewOf(strict, { type: 'mysql', config: { host: 'localhost', database: 'test', user: 'root' } }, { query: 'SELECT 1 AS id' });
    expectRefused(maria.res);
  });

  it('refuses SQL hosts that spell loopback another way', async () => {
    for (const host of ['2130706433', '0x7f.0.0.1', '127.1', '::ffff:127.0.0.1', '::7f00:1', '[::7f00:1]']) {
      const sql = await previewOf(strict, { type: 'postgresql', config: { host, port: 5432, database: 'postgres', user: 'postgres' } }, { query: 'SELECT 1 AS id' });
      expect(sql.res.statusCode, host).toBe(502);
      expect(sql.res.json().error.code, host).toBe('egress_denied');
    }
    const maria = await previewOf(strict, { type: 'mysql', config: { host: '::7f00:1', database: 'test', user: 'root' } }, { query: 'SELECT 1 AS id' });
    expectRefused(maria.res);
  });

  it('guards Jira calls at the token\'s API base URL', async () => {
    const { res } = await previewOf(
      strict,
      { type: 'jira', config: {} },
      { query: '/rest/api/3/project/search', resultPath: '$.values[*]' },
      {},
      { apiBaseUrl: up.url, headers: { 'x-forge-oauth-system': CRED.jira.systemToken } },
    );
    expectRefused(res);
    await expect(strict.app.companion.pipeline.readIssueFields({ tenantId: 't', apiBaseUrl: up.url, forgeTokens: { user: CRED.jira.userToken, system: undefined }, deadline: new Deadline(20_000) }, 'ACME-1', ['summary'], 5000)).rejects.toThrow(/egress policy/);
  });
});

// A name whose answer changes between lookups (DNS rebinding): the guard resolves through an
// injected `Resolve` that first gives an allowed address, then 127.0.0.1. 127.0.0.2 (allow-listed)
// stands in for a public address: both are what the policy lets through. The name is `localhost`,
// which the system resolver maps to 127.0.0.1: a connection made by name after the check would
// reach the listener on 127.0.0.1, which must see none.
describe('a DNS answer that changes between lookups', () => {
  let forbidden: Server;
  let approved: Server;
  let port = 0;
  const seen = { forbidden: 0, approved: 0 };
  const policy = createEgressPolicy(['127.0.0.2']);
  const flipping = (): Resolve => {
    let calls = 0;
    return (_hostname, _options, callback) => {
      calls += 1;
      callback(null, [{ address: calls === 1 ? '127.0.0.2' : '127.0.0.1', family: 4 }]);
    };
  };
  const listen = (server: Server, host: string, at: number) => new Promise<void>((resolve, reject) => server.once('error', reject).listen(at, host, () => resolve()));

  beforeAll(async () => {
    // Each accepts and hangs up at once: what matters is which one was reached.
    forbidden = createServer((socket) => {
      seen.forbidden += 1;
      socket.destroy();
    });
    approved = createServer((socket) => {
      seen.approved += 1;
      socket.destroy();
    });
    await listen(forbidden, '127.0.0.1', 0);
    port = (forbidden.address() as { port: number }).port;
    await listen(approved, '127.0.0.2', port);
  });
  afterAll(async () => {
    await new Promise((r) => forbidden?.close(r));
    await new Promise((r) => approved?.close(r));
  });

  it('HTTP: connects to the address it checked, and checks the next answer again', async () => {
    const agent = createGuardedAgent(policy, flipping());
    try {
      await expect(request(`http://localhost:${port}/`, { dispatcher: agent })).rejects.toThrow();
      expect(seen).toMatchObject({ approved: 1, forbidden: 0 });
      await expect(request(`http://localhost:${port}/`, { dispatcher: agent })).rejects.toThrow(/egress policy/);
      expect(seen.forbidden).toBe(0);
    } finally {
      await agent.close();
    }
  });

  it('SQL: the pool stays on the address it checked; no later answer is used', async () => {
    const connector = sqlConnector('postgresql', policy, flipping());
    const ds = { row: { id: 'ds-rebinding', version: 1, name: 'Rebinding', timeoutMs: 2000, config: { host: 'localhost', port, database: 'x', user: 'u' } }, secrets: {} } as never;
    const caller = { tenantId: 't', apiBaseUrl: undefined, forgeTokens: { user: undefined, system: undefined }, deadline: new Deadline(20_000) };
    const before = seen.approved;
    try {
      await expect(connector.test(ds, caller)).rejects.toThrow();
      await expect(connector.test(ds, caller)).rejects.toThrow();
      expect(seen.approved - before).toBeGreaterThanOrEqual(2);
      expect(seen.forbidden).toBe(0);
    } finally {
      await connector.close?.();
    }
  });
});
