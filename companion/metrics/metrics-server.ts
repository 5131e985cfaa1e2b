// GET /metrics (Prometheus text format) on a listener of its own, never on the companion's public
// port: the companion's port faces Forge and the internet, while metrics name every tenant's and
// datasource's id and are for the operator only. Off unless METRICS_PORT is set; bound to loopback
// by default; with METRICS_TOKEN set, a scrape must carry `Authorization: Bearer <token>` (required
// by config.ts when METRICS_HOST is not a loopback address).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';

export interface MetricsListener {
  /** `http://host:port` */
  readonly address: string;
  close(): Promise<void>;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify({ error: { code, message } }));
}

export async function startMetricsServer(
  registry: Registry,
  options: { host: string; port: number; token: string | undefined },
  log: FastifyBaseLogger,
): Promise<MetricsListener> {
  const expected = options.token === undefined ? undefined : digest(`Bearer ${options.token}`);
  const authorised = (req: IncomingMessage) => {
    if (!expected) return true;
    const given = req.headers.authorization;
    // Compared as digests: same length whatever was sent, and no early exit on the first difference.
    return typeof given === 'string' && timingSafeEqual(digest(given), expected);
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return sendError(res, 404, 'not_found', 'Only GET /metrics is served here');
    if (req.method !== 'GET') return sendError(res, 405, 'method_not_allowed', 'Use GET', { allow: 'GET' });
    if (!authorised(req)) return sendError(res, 401, 'unauthorized', 'A valid metrics token is required', { 'www-authenticate': 'Bearer' });
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => {
        log.error({ err: error }, 'metrics could not be collected');
        sendError(res, 500, 'internal_error', 'The metrics could not be collected');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    address: `http://${address.includes(':') ? `[${address}]` : address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A scraper keeps its connection alive between scrapes.
        server.closeAllConnections();
      }),
  };
}
