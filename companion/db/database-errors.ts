// Recognises "the database cannot be reached" among driver and Prisma errors, so that routes answer
// 503 database_unavailable instead of 500 while Postgres is down.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006']);
/**
 * Prisma's own codes for the same (the driver adapter's error, with the driver's code, is then only
 * in `meta.driverAdapterError`): P1001 not reachable, P1002 timed out reaching it, P1008 socket
 * timeout, P1017 "Server has closed the connection" (an ECONNRESET under a query).
 */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017']);
const MESSAGES = [/connection terminated/i, /timeout exceeded when trying to connect/i, /connect ECONNREFUSED/i, /Connection terminated unexpectedly/i, /database system is (starting up|shutting down)/i, /terminating connection/i, /Can't reach database server/i, /Client has encountered a connection error/i, /Client was closed and is not queryable/i, /DatabaseNotReachable/i, /Connection closed/i];

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 6; depth += 1) {
    const err = e as { code?: unknown; message?: unknown; cause?: unknown; name?: unknown; meta?: { driverAdapterError?: unknown } };
    if (typeof err.code === 'string' && NETWORK_CODES.has(err.code)) return true;
    if (typeof err.code === 'string' && PRISMA_CODES.has(err.code) && typeof err.name === 'string' && err.name.startsWith('PrismaClient')) return true;
    if (typeof err.message === 'string' && MESSAGES.some((m) => m.test(err.message as string))) return true;
    if (err.name === 'DriverAdapterError' && typeof err.cause === 'object' && err.cause) {
      const kind = (err.cause as { kind?: string }).kind;
      if (kind === 'DatabaseNotReachable' || kind === 'ConnectionClosed' || kind === 'SocketTimeout') return true;
    }
    e = err.cause ?? err.meta?.driverAdapterError;
  }
  return false;
}

const INPUT_KINDS = new Set(['LengthMismatch', 'ValueOutOfRange', 'InvalidInputValue']);

/**
 * A value from the request that Postgres refused (SQLSTATE class 22: too long, out of range,
 * malformed, a NUL byte). Routes validate their input first; this is the safety net that keeps such
 * a value a 400 instead of a 500 wherever a check was missed.
 */
export function isDatabaseInputError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 6; depth += 1) {
    const err = e as { code?: unknown; cause?: unknown; name?: unknown };
    if (err.name === 'DriverAdapterError' && typeof err.cause === 'object' && err.cause) {
      const cause = err.cause as { kind?: string; code?: string };
      if (cause.kind && INPUT_KINDS.has(cause.kind)) return true;
      if (cause.kind === 'postgres' && typeof cause.code === 'string' && cause.code.startsWith('22')) return true;
    }
    if (typeof err.code === 'string' && /^22[0-9A-Z]{3}$/.test(err.code)) return true;
    e = err.cause;
  }
  return false;
}

/** Prisma's own request errors that name a caller mistake (unique key taken, row gone). */
export function prismaRequestErrorStatus(error: unknown): 404 | 409 | undefined {
  const code = (error as { code?: unknown; name?: unknown }).code;
  if ((error as { name?: unknown }).name !== 'PrismaClientKnownRequestError') return undefined;
  if (code === 'P2002') return 409;
  if (code === 'P2025') return 404;
  return undefined;
}

/**
 * Prisma closed an interactive transaction that outlived its `timeout` (P2028): everything it did
 * was rolled back. On a loaded machine a large change (a 5,000-mapping document) can get there; the
 * caller is told nothing was changed and to try again (503), not that we failed (500).
 */
export function isTransactionTimeout(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 6; depth += 1) {
    const err = e as { code?: unknown; name?: unknown; cause?: unknown };
    if (err.code === 'P2028' && typeof err.name === 'string' && err.name.startsWith('PrismaClient')) return true;
    e = err.cause;
  }
  return false;
}
