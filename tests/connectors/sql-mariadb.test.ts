// MySQL/MariaDB datasources against the real MariaDB: server-side prepared statements (an
// injection through $userInput is only a value), the 1,000-row cap, bad SQL, the connection test.
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { describeEachDatabase } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { createDatasource, expectNoSecretInLogs, previewOf, testConnection } from './connector-fixtures.js';

const mariadbUrl = inject('mariadbUrl');
const INJECTION = "x'; DROP TABLE t; --";

// The two database kinds side by side (each its own scratch database): the queries run in the server.
describeEachDatabase('MariaDB connector on %s', (kind) => {
  let c: TestCompanion;
  const scratch = `oc_conn_${randomBytes(5).toString('hex')}`;
  const server = () => new URL(mariadbUrl!);
  const admin = () => mysql.createConnection({ host: server().hostname, port: Number(server().port || 3306), user: decodeURIComponent(server().username), password: decodeURIComponent(server().password), multipleStatements: true });
  const datasource = (extra: Record<string, unknown> = {}) => ({
    name: 'Shop',
    type: 'mysql',
    config: { host: server().hostname, port: Number(server().port || 3306), database: scratch, user: decodeURIComponent(server().username), poolSize: 2, ...extra },
    ...(server().password ? { secrets: { password: decodeURIComponent(server().password) } } : {}),
  });

  beforeAll(async () => {
    const a = await admin();
    try {
      await a.query(`CREATE DATABASE ${scratch}`);
      await a.query(`USE ${scratch}`);
      await a.query('CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, country CHAR(2) NOT NULL)');
      await a.query('SET SESSION max_recursive_iterations = 10000');
      await a.query(
        "INSERT INTO customers WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 5000) SELECT n, CONCAT('Customer ', n), ELT(1 + n % 4, 'DE', 'FR', 'US', 'JP') FROM s",
      );
      await a.query('CREATE TABLE t (id INT, name VARCHAR(100))');
      await a.query('INSERT INTO t VALUES (1, ?), (2, ?)', ['plain', INJECTION]);
      // A write a rollback cannot undo: a non-transactional table filled by a function a SELECT calls.
      await a.query('CREATE TABLE audit_trail (id INT) ENGINE=MyISAM');
      await a.query('CREATE FUNCTION sneaky_insert() RETURNS INT MODIFIES SQL DATA BEGIN INSERT INTO audit_trail VALUES (1); RETURN 1; END');
    } finally {
      await a.end();
    }
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
  });
  afterAll(async () => {
    await c?.close();
    const a = await admin();
    await a.query(`DROP DATABASE IF EXISTS ${scratch}`);
    await a.end();
  });

  it('reads at most 1,000 rows', async () => {
    const { res } = await previewOf(c, datasource(), { query: 'SELECT id, name FROM customers ORDER BY id', idTemplate: '${row.id}', displayTemplate: '${row.name}' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().rowCount).toBe(1000);
    expect(res.json().options.at(-1)).toEqual({ id: '1000', value: 'Customer 1000' });
  });

  it('binds every reference as a parameter: an injection through $userInput is only a value', async () => {
    const { res } = await previewOf(c, datasource(), { query: "SELECT id, name FROM t WHERE name = '$userInput'", idTemplate: '${row.id}', displayTemplate: '${row.name}' }, { input: INJECTION });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().evaluatedQuery).toEqual({ text: 'SELECT id, name FROM t WHERE name = ?', params: [INJECTION] });
    expect(res.json().options).toEqual([{ id: '2', value: INJECTION }]);
    const like = await previewOf(c, datasource(), { query: "SELECT id, name FROM customers WHERE name LIKE '%$userInput%'" }, { input: "1'; DROP TABLE customers; --" });
    expect(like.res.statusCode).toBe(200);
    expect(like.res.json().evaluatedQuery.text).toBe("SELECT id, name FROM customers WHERE name LIKE CONCAT('%', ?, '%')");
    expect(like.res.json().options).toEqual([]);
    const a = await admin();
    const [rows] = await a.query(`SELECT (SELECT COUNT(*) FROM ${scratch}.t) AS t, (SELECT COUNT(*) FROM ${scratch}.customers) AS customers`);
    await a.end();
    expect((rows as Array<Record<string, unknown>>)[0]).toEqual({ t: 2, customers: 5000 });
  });

  it('binds issue values', async () => {
    const { res } = await previewOf(
      c,
      datasource(),
      { query: "SELECT id, name FROM customers WHERE id = $issue.customfield_10050.id AND country = '$issue.customfield_10051'", idTemplate: '${row.id}', displayTemplate: '${row.name}' },
      { overrides: { customfield_10050: { id: '41', value: 'Customer 41' }, customfield_10051: 'FR' } },
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().evaluatedQuery.params).toEqual(['41', 'FR']);
    expect(res.json().options).toEqual([{ id: '41', value: 'Customer 41' }]);
  });

  it('rejects bad SQL and writes with a clear 422', async () => {
    const bad = await previewOf(c, datasource(), { query: 'SELEC id FROM t' });
    expect(bad.res.statusCode).toBe(422);
    expect(bad.res.json().error.message).toMatch(/^Datasource "Shop" rejected the query/);
    const write = await previewOf(c, datasource(), { query: "DELETE FROM t WHERE name = 'plain'" });
    expect(write.res.statusCode).toBe(422);
    const a = await admin();
    const [rows] = await a.query(`SELECT COUNT(*) AS n FROM ${scratch}.t`);
    await a.end();
    expect((rows as Array<{ n: number }>)[0]!.n).toBe(2);
  });

  const scratchState = async () => {
    const a = await admin();
    try {
      const [rows] = await a.query(
        `SELECT (SELECT COUNT(*) FROM ${scratch}.audit_trail) AS audit, (SELECT COUNT(*) FROM ${scratch}.t) AS t, (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '${scratch}' AND table_name = 'smuggled') AS smuggled`,
      );
      return (rows as Array<Record<string, unknown>>)[0];
    } finally {
      await a.end();
    }
  };

  it('runs a query as exactly one statement: a multi-statement text is refused and nothing after it runs', async () => {
    for (const query of ['SELECT 1 AS id; CREATE TABLE smuggled (x INT)', 'SELECT 1 AS id; COMMIT; CREATE TABLE smuggled (x INT); -- ']) {
      const { res } = await previewOf(c, datasource(), { query });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'upstream_query_failed', message: expect.stringMatching(/^Datasource "Shop" rejected the query: .*SQL syntax/) });
    }
    expect(await scratchState()).toEqual({ audit: 0, t: 2, smuggled: 0 });
  });

  it('runs in a read-only transaction: DDL (an implicit commit) and a write hidden in a function are refused', async () => {
    for (const query of ['CREATE TABLE smuggled (x INT)', 'SELECT sneaky_insert() AS id', "SELECT sneaky_insert() AS id FROM t WHERE name <> '$userInput'"]) {
      const { res } = await previewOf(c, datasource(), { query });
      expect(res.statusCode, `${query}: ${res.body}`).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'upstream_query_failed', message: 'Datasource "Shop" rejected the query: Cannot execute statement in a READ ONLY transaction' });
    }
    expect(await scratchState()).toEqual({ audit: 0, t: 2, smuggled: 0 });
  });

  it('answers 504 upstream_timeout for a query slower than the datasource timeout', async () => {
    const { res } = await previewOf(c, { ...datasource(), timeoutMs: 1000 }, { query: 'SELECT SLEEP(10) AS id' });
    expect(res.statusCode).toBe(504);
    expect(res.json().error).toMatchObject({ code: 'upstream_timeout', message: 'Datasource "Shop" did not answer within 1000 ms' });
  });

  it('the connection test succeeds, and fails clearly for a missing database or a refused login', async () => {
    expect((await testConnection(c, await createDatasource(c, datasource()))).json()).toMatchObject({ ok: true });
    const noDb = await testConnection(c, await createDatasource(c, datasource({ database: 'no_such_db_oc' })));
    expect(noDb.statusCode).toBe(200);
    expect(noDb.json().ok).toBe(false);
    expect(noDb.json().message).toMatch(/Datasource "Shop"/);
    const badLogin = await testConnection(c, await createDatasource(c, { ...datasource({ user: 'no_such_user_oc' }), secrets: { password: 'wrong-maria-pass-81' } }));
    expect(badLogin.json()).toMatchObject({ ok: false, message: 'Datasource "Shop" refused the login (check the user and password)' });
    expect(badLogin.body).not.toContain('wrong-maria-pass-81');
    expectNoSecretInLogs(c, ['wrong-maria-pass-81']);
  });
}, { skip: !mariadbUrl });
