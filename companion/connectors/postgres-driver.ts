// PostgreSQL through `pg`: a small pool per datasource version, pinned to the address the egress
// guard approved. Each query runs in a READ ONLY transaction with a statement timeout, through a
// cursor from which at most `limit` rows are fetched, so a 100,000-row result never loads whole.
// The query always goes over the extended protocol, even without parameters: its Parse message
// takes exactly one statement, whereas the simple protocol would run `SELECT 1; COMMIT; CREATE …`
// as three, the COMMIT ending the read-only transaction.
import pg from 'pg';
import type { SqlDriver, SqlPoolSettings } from './sql-driver-types.js';

export function postgresDriver(): SqlDriver {
  return {
    placeholders: 'sql-pg',
    defaultPort: 5432,
    createPool(s: SqlPoolSettings) {
      const pool = new pg.Pool({
        host: s.address,
        port: s.port,
        database: s.database,
        user: s.user,
        password: s.password,
        max: s.poolSize,
        connectionTimeoutMillis: s.connectTimeoutMs,
        idleTimeoutMillis: 30_000,
        query_timeout: s.timeoutMs + 1_000,
        // Lets the database's admin see which datasource a session belongs to.
        application_name: `open-connect/${s.datasourceId}`,
        ssl: s.ssl ? { servername: s.host, rejectUnauthorized: true } : false,
      });
      // An idle client losing its server must not take the process down; the next query reconnects.
      pool.on('error', () => undefined);

      async function session<T>(timeoutMs: number, schema: string | undefined, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
        const client = await pool.connect();
        let broken = false;
        try {
          await client.query('BEGIN READ ONLY');
          await client.query(`SET LOCAL statement_timeout = ${Math.round(timeoutMs)}`);
          if (schema) await client.query(`SET LOCAL search_path TO ${client.escapeIdentifier(schema)}`);
          return await fn(client);
        } catch (err) {
          broken = true;
          throw err;
        } finally {
          try {
            await client.query('ROLLBACK');
          } catch {
            broken = true;
          }
          client.release(broken ? true : undefined);
        }
      }

      return {
        async query(text, params, limit, timeoutMs, schema) {
          return session(timeoutMs, schema, async (client) => {
            await client.query(oneStatement(`DECLARE open_connect_rows NO SCROLL CURSOR FOR ${text}`, params));
            const result = await client.query(`FETCH ${Math.max(1, Math.floor(limit))} FROM open_connect_rows`);
            return result.rows as unknown[];
          });
        },
        async ping(timeoutMs, schema) {
          await session(timeoutMs, schema, (client) => client.query('SELECT 1'));
        },
        end: () => pool.end(),
      };
    },
  };
}

/** pg picks the simple protocol for a query without values unless told otherwise (its typings omit the option). */
function oneStatement(text: string, values: unknown[]): pg.QueryConfig {
  const config: pg.QueryConfig & { queryMode: 'extended' } = { text, values, queryMode: 'extended' };
  return config;
}
