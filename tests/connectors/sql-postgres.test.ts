// PostgreSQL datasources against the real server: a scratch database with a 100,000-row table,
// bound parameters (an injection through $userInput is only ever a value), the 1,000-row cap,
// timeouts, bad SQL, the connection test and pools closed when the datasource changes.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { describeEachDatabase, withAdmin } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { createDatasource, createField, expectNoSecretInLogs, preview, previewOf, testConnection } from './connector-fixtures.js';

const adminUrl = inject('postgresAdminUrl');
const INJECTION = "x'; DROP TABLE t; --";
const PASSWORD = 'pg-password-never-shown-7q';

// The two database kinds side by side (each its own scratch database): the queries run in the server.
describeEachDatabase('PostgreSQL connector on %s', (kind) => {
  let c: TestCompanion;
  const scratch = `oc_conn_${randomBytes(5).toString('hex')}`;
  const scratchUrl = () => {
    const u = new URL(adminUrl!);
    u.pathname = `/${scratch}`;
    return u.toString();
  };
  const datasource = (extra: Record<string, unknown> = {}) => ({
    name: 'Warehouse',
    type: 'postgresql',
    config: { host: '127.0.0.1', port: Number(new URL(adminUrl!).port || 5432), database: scratch, user: 'postgres', poolSize: 2, ...extra },
    secrets: { password: PASSWORD },
  });

  beforeAll(async () => {
    await withAdmin(adminUrl!, (a) => a.query(`CREATE DATABASE ${scratch}`));
    await withAdmin(scratchUrl(), async (s) => {
      await s.query('CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL, country text NOT NULL)');
      await s.query(
        `INSERT INTO customers SELECT g, 'Customer ' || g, (ARRAY['DE','FR','US','JP'])[1 + g % 4] FROM generate_series(1, 100000) g`,
      );
      await s.query('CREATE TABLE t (id integer, name text)');
      await s.query('INSERT INTO t VALUES (1, $1), (2, $2)', ['plain', INJECTION]);
      await s.query('CREATE SCHEMA sales');
      await s.query("CREATE TABLE sales.regions (code text, label text); INSERT INTO sales.regions VALUES ('EMEA', 'Europe')");
      // Ways a SELECT can write: a function that inserts, a sequence (not undone by a rollback).
      await s.query('CREATE TABLE audit_trail (id integer)');
      await s.query("CREATE FUNCTION sneaky_insert() RETURNS integer LANGUAGE sql AS 'INSERT INTO audit_trail VALUES (1) RETURNING 1'");
      await s.query('CREATE SEQUENCE counter');
    });
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
  });
  afterAll(async () => {
    await c?.close();
    await withAdmin(adminUrl!, (a) => a.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`));
  });

  it('reads at most 1,000 rows of a 100,000-row table', async () => {
    const { res } = await previewOf(c, datasource(), { query: 'SELECT id, name FROM customers ORDER BY id', idTemplate: '${row.id}', displayTemplate: '${row.name}' });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.rowCount).toBe(1000);
    expect(body.rows).toHaveLength(1000);
    expect(body.options[0]).toEqual({ id: '1', value: 'Customer 1' });
    expect(body.options[999]).toEqual({ id: '1000', value: 'Customer 1000' });
  });

  it('binds every reference as a parameter: an injection through $userInput is only a value', async () => {
    const { res } = await previewOf(c, datasource(), { query: "SELECT id, name FROM t WHERE name = '$userInput'", idTemplate: '${row.id}', displayTemplate: '${row.name}' }, { input: INJECTION });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().evaluatedQuery).toEqual({ text: 'SELECT id, name FROM t WHERE name = $1', params: [INJECTION] });
    expect(res.json().options).toEqual([{ id: '2', value: INJECTION }]);
    const unquoted = await previewOf(c, datasource(), { query: 'SELECT id, name FROM t WHERE name = $userInput' }, { input: INJECTION });
    expect(unquoted.res.statusCode).toBe(200);
    const like = await previewOf(c, datasource(), { query: "SELECT id, name FROM customers WHERE name LIKE '%$userInput%' ORDER BY id" }, { input: "9999'; DROP TABLE customers; --" });
    expect(like.res.statusCode).toBe(200);
    expect(like.res.json().options).toEqual([]);
    const count = await withAdmin(scratchUrl(), (s) => s.query('SELECT (SELECT count(*) FROM t)::int AS t, (SELECT count(*) FROM customers)::int AS customers'));
    expect(count.rows[0]).toEqual({ t: 2, customers: 100000 });
  });

  it('binds issue values and object field parts, and matches LIKE patterns', async () => {
    const { res } = await previewOf(
      c,
      datasource(),
      { query: "SELECT id, name, country FROM customers WHERE id = $issue.customfield_10050.id AND country = '$issue.customfield_10051' AND name LIKE 'Customer %$userInput%'", idTemplate: '${row.id}', displayTemplate: '${row.name} (${row.country})' },
      { input: '41', overrides: { customfield_10050: { id: '41', value: 'Customer 41' }, customfield_10051: 'FR' } },
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().evaluatedQuery.text).toBe("SELECT id, name, country FROM customers WHERE id = $1 AND country = $2 AND name LIKE ('Customer %' || $3::text || '%')");
    expect(res.json().options).toEqual([{ id: '41', value: 'Customer 41 (FR)' }]);
  });

  it('uses the configured schema', async () => {
    const { res } = await previewOf(c, datasource({ schema: 'sales' }), { query: 'SELECT code AS id, label AS name FROM regions' });
    expect(res.json().options).toEqual([{ id: 'EMEA', value: 'Europe' }]);
  });

  it('runs a query as exactly one statement: a multi-statement text without references is refused and nothing after it runs', async () => {
    for (const query of ['SELECT 1 AS id; COMMIT; CREATE TABLE escaped (x int); --', 'SELECT 1 AS id; CREATE TABLE escaped (x int)']) {
      const { res } = await previewOf(c, datasource(), { query });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'upstream_query_failed', message: expect.stringContaining('multiple commands') });
    }
    const { rows } = await withAdmin(scratchUrl(), (s) => s.query("SELECT to_regclass('public.escaped') IS NULL AS absent"));
    expect(rows[0].absent).toBe(true);
  });

  it('runs in a read-only transaction: a write hidden in a function, a sequence or a row lock is refused', async () => {
    const refused = async (query: string, what: string) => {
      const { res } = await previewOf(c, datasource(), { query });
      expect(res.statusCode, `${query}: ${res.body}`).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'upstream_query_failed', message: expect.stringContaining(`cannot execute ${what} in a read-only transaction`) });
    };
    await refused('SELECT sneaky_insert() AS id', 'INSERT');
    await refused("SELECT nextval('counter') AS id", 'nextval()');
    await refused('SELECT id, name FROM t FOR UPDATE', 'SELECT FOR UPDATE');
    // The same with a reference (bound parameters), and a write that turns read-write first.
    await refused("SELECT sneaky_insert() AS id WHERE '$userInput' = ''", 'INSERT');
    const flip = await previewOf(c, datasource(), { query: "SELECT set_config('transaction_read_only', 'off', true) AS id, sneaky_insert() AS name" });
    expect(flip.res.statusCode).toBe(422);
    const writes = await previewOf(c, datasource(), { query: 'WITH gone AS (DELETE FROM t RETURNING id) SELECT id FROM gone' });
    expect(writes.res.statusCode).toBe(422);
    const write = await previewOf(c, datasource(), { query: 'DELETE FROM t RETURNING id' });
    expect(write.res.statusCode).toBe(422);
    const { rows } = await withAdmin(scratchUrl(), (s) =>
      s.query('SELECT (SELECT count(*) FROM audit_trail)::int AS audit, (SELECT count(*) FROM t)::int AS t, (SELECT is_called FROM counter) AS advanced'),
    );
    expect(rows[0]).toEqual({ audit: 0, t: 2, advanced: false });
  });

  it('rejects bad SQL with a clear 422, and times out with 504', async () => {
    const bad = await previewOf(c, datasource(), { query: 'SELEC id FROM t' });
    expect(bad.res.statusCode).toBe(422);
    expect(bad.res.json().error).toMatchObject({ code: 'upstream_query_failed', message: expect.stringMatching(/^Datasource "Warehouse" rejected the query: syntax error/) });
    const slow = await previewOf(c, { ...datasource(), timeoutMs: 1000 }, { query: 'SELECT 1 AS id, pg_sleep(10)::text AS name' });
    expect(slow.res.statusCode).toBe(504);
    expect(slow.res.json().error.code).toBe('upstream_timeout');
    const count = await withAdmin(scratchUrl(), (s) => s.query('SELECT count(*)::int AS n FROM t'));
    expect(count.rows[0].n).toBe(2);
  });

  it('the connection test succeeds, and fails clearly for a missing database or role', async () => {
    const ok = await testConnection(c, await createDatasource(c, datasource()));
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ ok: true, message: 'The database accepted a trivial query' });
    const noDb = await testConnection(c, await createDatasource(c, { ...datasource(), config: { ...datasource().config, database: 'no_such_db_oc' } }));
    expect(noDb.json()).toMatchObject({ ok: false, message: 'Datasource "Warehouse": the database does not exist' });
    const noRole = await testConnection(c, await createDatasource(c, { ...datasource(), config: { ...datasource().config, user: 'no_such_role_oc' } }));
    expect(noRole.json()).toMatchObject({ ok: false, message: expect.stringContaining('refused the login') });
    const closed = await testConnection(c, await createDatasource(c, { ...datasource(), config: { ...datasource().config, port: 1 } }));
    expect(closed.json()).toMatchObject({ ok: false, message: 'Datasource "Warehouse" refused the connection' });
  });

  it('closes the datasource\'s pool when it changes or is deleted', async () => {
    const dsId = await createDatasource(c, datasource());
    const field = await createField(c, dsId, { query: 'SELECT id, name FROM t' });
    expect((await preview(c, field.id)).statusCode).toBe(200);
    const sessions = async () =>
      (await withAdmin(adminUrl!, (a) => a.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [scratch, `open-connect/${dsId}`]))).rows[0].n as number;
    expect(await sessions()).toBeGreaterThan(0);
    const current = (await c.call('GET', `/v1/admin/datasources/${dsId}`)).json();
    const put = await c.call('PUT', `/v1/admin/datasources/${dsId}`, { body: { name: 'Warehouse 2', type: 'postgresql', config: current.config, version: current.version } });
    expect(put.statusCode).toBe(200);
    // The backends end asynchronously after the pool closed its sockets; wait for the count to settle.
    let n = await sessions();
    for (let i = 0; i < 50 && n > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      n = await sessions();
    }
    expect(n).toBe(0);
    const again = await preview(c, field.id);
    expect(again.statusCode).toBe(200);
  });

  it('closes a pool nobody used for SQL_POOL_IDLE_SECONDS (a datasource deleted through another instance is never used here again)', async () => {
    const idle = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1', SQL_POOL_IDLE_SECONDS: '1' } });
    try {
      const dsId = await createDatasource(idle, datasource());
      // The query names the session it ran in.
      const field = await createField(idle, dsId, { query: 'SELECT pg_backend_pid() AS id, application_name AS name FROM pg_stat_activity WHERE pid = pg_backend_pid()' });
      const first = await preview(idle, field.id);
      expect(first.statusCode, first.body).toBe(200);
      const pid = Number(first.json().options[0].id);
      expect(first.json().options[0].value).toBe(`open-connect/${dsId}`);
      const alive = async () => (await withAdmin(adminUrl!, (a) => a.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [pid]))).rows[0].n as number;
      // Unused, the pool is closed by a sweep (every second here), and its session ends (bounded wait;
      // pg would otherwise keep an idle connection for 30 s).
      let n = await alive();
      for (let i = 0; i < 100 && n > 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        n = await alive();
      }
      expect(n).toBe(0);
      // Used again, a new pool connects.
      const again = await preview(idle, field.id);
      expect(again.statusCode, again.body).toBe(200);
      expect(Number(again.json().options[0].id)).not.toBe(pid);
    } finally {
      await idle.close();
    }
  });

  it('keeps at most poolSize connections per datasource', async () => {
    const dsId = await createDatasource(c, datasource({ poolSize: 2 }));
    const field = await createField(c, dsId, { query: 'SELECT 1 AS id, pg_sleep(0.1)::text AS name' });
    const answers = await Promise.all(Array.from({ length: 6 }, () => preview(c, field.id)));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
    const { rows } = await withAdmin(adminUrl!, (a) =>
      a.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2', [scratch, `open-connect/${dsId}`]),
    );
    expect(rows[0].n).toBeGreaterThan(0);
    expect(rows[0].n).toBeLessThanOrEqual(2);
  });

  it('never shows or logs the password', async () => {
    const { res, dsId } = await previewOf(c, datasource(), { query: 'SELECT 1 AS id' });
    expect(res.body).not.toContain(PASSWORD);
    expect((await c.call('GET', `/v1/admin/datasources/${dsId}`)).body).not.toContain(PASSWORD);
    expectNoSecretInLogs(c, [PASSWORD]);
  });
}, { skip: !adminUrl });
