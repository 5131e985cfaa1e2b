// MySQL/MariaDB through `mysql2`: a small pool per datasource version, pinned to the address the
// egress guard approved. Queries are server-side prepared statements (`execute`, values never in
// the text, one statement each: a prepared statement cannot hold two, and the pool never enables
// `multipleStatements`), run in a READ ONLY transaction (which also refuses DDL, whose implicit
// commit would otherwise end it) and streamed: after `limit` rows the connection is
// dropped rather than reading the rest of a huge result.
import mysql from 'mysql2';
import type { SqlDriver, SqlPoolSettings } from './sql-driver-types.js';

export function mysqlDriver(): SqlDriver {
  return {
    placeholders: 'sql-mysql',
    defaultPort: 3306,
    createPool(s: SqlPoolSettings) {
      const pool = mysql.createPool({
        host: s.address,
        port: s.port,
        database: s.database,
        user: s.user,
        password: s.password ?? '',
        multipleStatements: false,
        connectionLimit: s.poolSize,
        connectTimeout: s.connectTimeoutMs,
        maxIdle: s.poolSize,
        idleTimeout: 30_000,
        // Connected by address, so the certificate is checked against the configured host name.
        ...(s.ssl ? { ssl: { servername: s.host, rejectUnauthorized: true } as never } : {}),
      });
      pool.on('connection', (conn) => conn.on('error', () => undefined));

      const connection = () =>
        new Promise<mysql.PoolConnection>((resolve, reject) => pool.getConnection((err, conn) => (err ? reject(err) : resolve(conn))));
      const run = (conn: mysql.PoolConnection, sql: string) =>
        new Promise<void>((resolve, reject) => conn.query(sql, (err) => (err ? reject(err) : resolve())));

      async function session<T>(schema: string | undefined, fn: (c: mysql.PoolConnection) => Promise<{ value: T; keep: boolean }>): Promise<T> {
        const conn = await connection();
        let keep = false;
        try {
          if (schema) await run(conn, `USE ${conn.escapeId(schema)}`);
          await run(conn, 'START TRANSACTION READ ONLY');
          const out = await fn(conn);
          keep = out.keep;
          if (keep) await run(conn, 'ROLLBACK');
          return out.value;
        } finally {
          if (keep) conn.release();
          else conn.destroy();
        }
      }

      return {
        query(text, params, limit, timeoutMs, schema) {
          return session<unknown[]>(schema, (conn) => {
            return new Promise((resolve, reject) => {
              const rows: unknown[] = [];
              let done = false;
              const stream = conn.execute({ sql: text, timeout: timeoutMs }, params as never).stream({ highWaterMark: 100 });
              stream.on('data', (row: unknown) => {
                if (done) return;
                rows.push(row);
                if (rows.length >= limit) {
                  done = true;
                  stream.pause();
                  resolve({ value: rows, keep: false });
                }
              });
              stream.on('error', (err: unknown) => {
                if (!done) reject(err);
                done = true;
              });
              stream.on('end', () => {
                if (!done) resolve({ value: rows, keep: true });
                done = true;
              });
            });
          });
        },
        async ping(timeoutMs, schema) {
          await session<void>(schema, (conn) => {
            return new Promise((resolve, reject) =>
              conn.query({ sql: 'SELECT 1', timeout: timeoutMs }, (err) => (err ? reject(err) : resolve({ value: undefined, keep: true }))),
            );
          });
        },
        end: () => new Promise<void>((resolve) => pool.end(() => resolve())),
      };
    },
  };
}
