// An upstream that misbehaves on demand, on 127.0.0.1: healthy, down (port closed), resetting the
// connection, slow past any timeout, answering garbage, or answering 10 MB. Every request is served
// by the current mode, so one field can meet each fault in turn.
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';

export type FaultMode = 'ok' | 'reset' | 'slow' | 'garbage' | 'huge';

export const FAULT_ROWS = [
  { id: 'A1', name: 'Alpha' },
  { id: 'B2', name: 'Beta' },
];

export interface FaultUpstream {
  url: string;
  mode: FaultMode;
  requests: number;
  /** Closes the listening port (connections are refused) until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

const TEN_MB = 10 * 1024 * 1024;
/** How long `slow` waits: well past the datasource timeout, bounded so nothing lingers. */
const SLOW_MS = 4_000;

export async function startFaultUpstream(): Promise<FaultUpstream> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let server: Server;
  let port = 0;
  const state = { mode: 'ok' as FaultMode, requests: 0 };

  const make = () =>
    createServer((req, res) => {
      state.requests += 1;
      req.resume();
      switch (state.mode) {
        case 'ok':
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ rows: FAULT_ROWS }));
        case 'reset':
          return req.socket.destroy();
        case 'slow': {
          const t = setTimeout(() => {
            timers.delete(t);
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ rows: FAULT_ROWS }));
          }, SLOW_MS);
          timers.add(t);
          return;
        }
        case 'garbage':
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end('{"rows": [ {"id": "A1", "name": <<not json at all>> \u0000\u0001');
        case 'huge': {
          // 10 MB of a JSON array, streamed in 64 KB chunks without a Content-Length.
          res.writeHead(200, { 'content-type': 'application/json' });
          const chunk = Buffer.alloc(64 * 1024, ' ');
          let sent = 0;
          res.write('{"rows": [');
          const pump = () => {
            while (sent < TEN_MB) {
              sent += chunk.length;
              if (!res.write(chunk)) return void res.once('drain', pump);
            }
            res.end(']}');
          };
          res.on('error', () => undefined);
          return pump();
        }
      }
    });

  let listening = false;
  const listen = async () => {
    if (listening) return;
    listening = true;
    server = make();
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  };
  const shut = async () => {
    if (!listening) return;
    listening = false;
    for (const t of timers) clearTimeout(t);
    timers.clear();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  await listen();

  return {
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return state.mode;
    },
    set mode(m: FaultMode) {
      state.mode = m;
    },
    get requests() {
      return state.requests;
    },
    down: shut,
    up: listen,
    close: shut,
  };
}
