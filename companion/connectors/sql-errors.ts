// SQL driver errors as the caller sees them. Server messages about the QUERY (syntax, unknown
// table) are the admin's own text and help them fix it; connection and login failures are
// described by code only.
import { UpstreamError, toUpstreamError, upstreamTimeout } from './upstream-errors.js';

const PG_LOGIN = new Set(['28P01', '28000']);
const MYSQL_LOGIN = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR']);
const MYSQL_TIMEOUT = new Set(['PROTOCOL_SEQUENCE_TIMEOUT', 'ER_QUERY_TIMEOUT', 'ER_QUERY_INTERRUPTED']);

export function sqlError(datasource: string, err: unknown, timeoutMs: number) {
  const e = err as { code?: string; sqlState?: string; message?: string; severity?: string; errno?: number };
  const code = e?.code ?? '';
  const label = `Datasource "${datasource}"`;
  if (code === '57014' || MYSQL_TIMEOUT.has(code) || e?.errno === 3024 || /Query read timeout|timeout exceeded when trying to connect|Connection terminated due to connection timeout/i.test(e?.message ?? '')) {
    return upstreamTimeout(datasource, timeoutMs);
  }
  if (PG_LOGIN.has(code) || MYSQL_LOGIN.has(code)) return new UpstreamError(502, 'upstream_error', `${label} refused the login (check the user and password)`);
  if (code === '3D000' || code === 'ER_BAD_DB_ERROR') return new UpstreamError(502, 'upstream_error', `${label}: the database does not exist`);
  // pg: a five-character SQLSTATE with a server severity; mysql2: ER_* with a sqlState.
  const fromServer = (/^[0-9A-Z]{5}$/.test(code) && e?.severity) || (code.startsWith('ER_') && e?.sqlState);
  if (fromServer) {
    return new UpstreamError(422, 'upstream_query_failed', `${label} rejected the query: ${(e.message ?? code).split('\n')[0]!.slice(0, 300)}`);
  }
  return toUpstreamError(datasource, err, timeoutMs);
}
