// Recognises "the database cannot be reached" among driver and Prisma errors, so that routes answer
// 503 database_unavailable instead of 500 while Postgres is down.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);
const MESSAGES = [/connection terminated/i, /timeout exceeded when trying to connect/i, /connect ECONNREFUSED/i, /Connection terminated unexpectedly/i, /database system is (starting up|shutting down)/i, /terminating connection/i, /Can't reach database server/i, /Client has encountered a connection error/i, /DatabaseNotReachable/i, /Connection closed/i];

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 6; depth += 1) {
    const err = e as { code?: unknown; message?: unknown; cause?: unknown; name?: unknown };
    if (typeof err.code === 'string' && NETWORK_CODES.has(err.code)) return true;
    if (typeof err.message === 'string' && MESSAGES.some((m) => m.test(err.message as string))) return true;
    if (err.name === 'DriverAdapterError' && typeof err.cause === 'object' && err.cause) {
      const kind = (err.cause as { kind?: string }).kind;
      if (kind === 'DatabaseNotReachable' || kind === 'ConnectionClosed' || kind === 'SocketTimeout') return true;
    }
    e = err.cause;
  }
  return false;
}
