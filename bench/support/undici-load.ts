// A closed-loop load generator on undici: `connections` keep-alive connections, one request in
// flight on each, a fixed number of requests, every one with its own token (tokens[i] for the i-th
// request sent: no token is sent twice in a run). Latency per request from performance.now(), so
// percentiles are not rounded to whole milliseconds.
import { Pool } from 'undici';

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** Answers that were not 200, and socket errors. */
  failures: number;
}

export async function runLoad(opts: {
  url: string;
  body: string;
  tokens: readonly string[];
  /** Index of the first token to use: runs against one server must not overlap. */
  firstToken: number;
  requests: number;
  connections: number;
}): Promise<LoadResult> {
  const { origin, pathname } = new URL(opts.url);
  if (opts.firstToken + opts.requests > opts.tokens.length) throw new Error('token pool too small for the requests sent');
  const pool = new Pool(origin, { connections: opts.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const latencies = new Float64Array(opts.requests);
  let next = 0;
  let failures = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= opts.requests) return;
      const token = opts.tokens[opts.firstToken + i]!;
      const t = performance.now();
      try {
        const res = await pool.request({
          path: pathname,
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: opts.body,
        });
        await res.body.dump({ limit: Infinity });
        if (res.statusCode !== 200) failures += 1;
      } catch {
        failures += 1;
      }
      latencies[i] = performance.now() - t;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: opts.connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort();
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { requests: opts.requests, seconds, rps: opts.requests / seconds, p50: at(0.5), p99: at(0.99), failures };
}
