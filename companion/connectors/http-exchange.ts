// One HTTP exchange with an upstream, through the egress-guarded agent: a timeout over the whole
// exchange (its own, shortened to what is left of the request's deadline), at most 5 MB read, redirects followed by hand (at most 5) so that each hop is checked
// by the guard again and credentials are not forwarded to another origin.
import { EventEmitter } from 'node:events';
import { request, type Dispatcher } from 'undici';
import type { Deadline } from '../deadline.js';
import { MAX_RESPONSE_BYTES, isTimeoutError, toUpstreamError, upstreamBadBody, upstreamTooLarge, upstreamTooSlow } from './upstream-errors.js';

export interface HttpExchange {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  datasourceName: string;
  /** The request's deadline: the exchange ends by it whatever its own timeout. */
  deadline: Deadline | undefined;
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
  const { deadline } = x;
  if (deadline?.expired()) throw upstreamTooSlow(x.datasourceName, deadline.budgetMs);
  const timeoutMs = deadline ? deadline.timeoutFor(x.timeoutMs) : x.timeoutMs;
  // When the deadline shortened the timeout, running into it means the request's time is up.
  const shortened = deadline !== undefined && timeoutMs < x.timeoutMs;
  // One timer: `timeoutMs` already ends with the deadline when less than the step's own timeout is
  // left. A plain one, cleared once the exchange is over, that aborts through an EventEmitter, which
  // undici takes as a request's signal as it takes an AbortSignal (docs/api/Dispatcher.md): an
  // AbortSignal.timeout lives until it fires, and either AbortSignal costs undici more to listen to
  // (about 0.08 ms of a one-at-a-time request on the bench machine, against 0.02 ms for this).
  const signal = Object.assign(new EventEmitter(), { aborted: false });
  const timer = setTimeout(() => {
    signal.aborted = true;
    signal.emit('abort');
  }, timeoutMs);
  timer.unref();
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
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
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
      const received = await readBody(res.body, x.datasourceName);
      const contentType = res.headers['content-type'];
      return {
        status: res.statusCode,
        contentType: Array.isArray(contentType) ? (contentType[0] ?? '') : (contentType ?? ''),
        body: received,
        sendMs: headersAt - started,
        waitMs: performance.now() - headersAt,
      };
    }
  } catch (err) {
    if ((signal.aborted || isTimeoutError(err)) && (shortened || deadline?.expired())) throw upstreamTooSlow(x.datasourceName, deadline!.budgetMs);
    throw toUpstreamError(x.datasourceName, signal.aborted ? Object.assign(new Error('timeout'), { name: 'TimeoutError' }) : err, x.timeoutMs);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The whole body, refused past MAX_RESPONSE_BYTES as it arrives. Read by its events rather than
 * `for await`, whose promise per chunk cost a one-at-a-time request about 0.03 ms more.
 */
function readBody(stream: Dispatcher.ResponseData['body'], datasourceName: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_RESPONSE_BYTES) {
        stream.destroy();
        reject(upstreamTooLarge(datasourceName));
        return;
      }
      chunks.push(chunk);
    });
    stream.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

function withoutCredentials(headers: Record<string, string>, extra: string[]): Record<string, string> {
  const drop = new Set([...CREDENTIAL_HEADERS, ...extra.map((h) => h.toLowerCase())]);
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !drop.has(k.toLowerCase())));
}
