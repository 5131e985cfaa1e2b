// One HTTP exchange with an upstream, through the egress-guarded agent: a deadline over the whole
// exchange, at most 5 MB read, redirects followed by hand (at most 5) so that each hop is checked
// by the guard again and credentials are not forwarded to another origin.
import { request, type Dispatcher } from 'undici';
import { MAX_RESPONSE_BYTES, toUpstreamError, upstreamBadBody, upstreamTooLarge } from './upstream-errors.js';

export interface HttpExchange {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  datasourceName: string;
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: Buffer;
  /** Until the response headers arrived (connection, request, the upstream's work). */
  sendMs: number;
  /** Receiving the body. */
  waitMs: number;
}

const MAX_REDIRECTS = 5;
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

export async function exchange(agent: Dispatcher, x: HttpExchange, extraSecretHeaders: string[] = []): Promise<HttpAnswer> {
  const started = performance.now();
  const signal = AbortSignal.timeout(x.timeoutMs);
  let url = x.url;
  let method = x.method;
  let body = x.body;
  let headers = { ...x.headers };
  try {
    for (let hop = 0; ; hop++) {
      const res = await request(url, {
        method,
        headers,
        body,
        signal,
        dispatcher: agent,
        headersTimeout: x.timeoutMs,
        bodyTimeout: x.timeoutMs,
      });
      const location = res.headers.location;
      if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string' && hop < MAX_REDIRECTS) {
        await res.body.dump();
        const next = new URL(location, url);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') throw upstreamBadBody(x.datasourceName, 'a redirect to a non-HTTP address');
        if (next.origin !== url.origin) headers = withoutCredentials(headers, extraSecretHeaders);
        if (res.statusCode === 303 || ((res.statusCode === 301 || res.statusCode === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
          delete headers['content-type'];
        }
        url = next;
        continue;
      }
      const headersAt = performance.now();
      const declared = Number(res.headers['content-length'] ?? 0);
      if (declared > MAX_RESPONSE_BYTES) {
        res.body.destroy();
        throw upstreamTooLarge(x.datasourceName);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_RESPONSE_BYTES) {
          res.body.destroy();
          throw upstreamTooLarge(x.datasourceName);
        }
        chunks.push(chunk as Buffer);
      }
      const contentType = res.headers['content-type'];
      return {
        status: res.statusCode,
        contentType: Array.isArray(contentType) ? (contentType[0] ?? '') : (contentType ?? ''),
        body: Buffer.concat(chunks),
        sendMs: headersAt - started,
        waitMs: performance.now() - headersAt,
      };
    }
  } catch (err) {
    throw toUpstreamError(x.datasourceName, signal.aborted ? Object.assign(new Error('timeout'), { name: 'TimeoutError' }) : err, x.timeoutMs);
  }
}

function withoutCredentials(headers: Record<string, string>, extra: string[]): Record<string, string> {
  const drop = new Set([...CREDENTIAL_HEADERS, ...extra.map((h) => h.toLowerCase())]);
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !drop.has(k.toLowerCase())));
}
