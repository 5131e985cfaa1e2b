// A local HTTP server playing every kind of upstream the connectors meet, for tests to start and
// reuse. It listens on 127.0.0.1 (so companions need COMPANION_EGRESS_ALLOW=127.0.0.1).
//
//   const up = await startSampleUpstream();
//   up.url                          → 'http://127.0.0.1:<port>'
//   up.credentials                  → what each auth mode must send (see below)
//   up.tokenRequests                → how many OAuth2 tokens were issued so far
//   up.requests                     → every request seen: {method, path, query, headers, body, authorized}
//   up.reset()                      → clears requests and counters (and the stall)
//   up.revokeTokens()               → every OAuth2 token issued so far stops working (401)
//   up.stallMs = N                  → every request (data, token, Jira) is answered N ms late
//   up.events                       → 'start <path?query>' / 'end <path?query>' in the order they happened
//   up.maxInFlight                  → the most requests that were being answered at one time
//   await up.close()
//
// Data: GET /customers (50 customers: {id, name, code, country, email, active}; filters ?q= on the
// name, ?country=), GET /projects (a bare array), POST /customers/search {"name": "…"},
// GET /customers/{id}. Any data path is also served behind an auth mode under /auth/<mode>/…:
//   basic        Authorization: Basic svc-crm:<basic password>
//   bearer       Authorization: Bearer <bearer token>
//   apiKeyHeader X-API-Key: <apiKey>
//   apiKeyQuery  ?api_key=<apiKey>
//   oauth2       Authorization: Bearer <a token from POST /oauth/token>
// POST /oauth/token: client credentials with HTTP Basic client auth (clientId:clientSecret) and
// grant_type=client_credentials; tokens last 3600 s.
// Special paths: /health (200), /echo (the request as JSON: method, rawUrl, path, query, body),
// /slow?ms=N (answers after N ms), /trickle?every=N (headers at once, then one byte of a JSON array
// every N ms, never ending), /garbage (200, not JSON), /huge (6 MB, chunked, no length),
// /huge-declared (Content-Length 6 MB), /status/<code>, /redirect?to=<url> (302).
// Fake Jira: GET /rest/api/3/project/search[?query=], GET /rest/api/3/issue/{key}[?fields=a,b],
// GET /rest/api/3/serverInfo; they need `Authorization: Bearer <jira.userToken|jira.systemToken>`
// and record which one was used in `up.jiraCallers`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  rawUrl: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: string;
}

export const SAMPLE_CREDENTIALS = {
  basic: { username: 'svc-crm', password: 'basic-pass-4f1c9' },
  bearer: { token: 'bearer-token-77ad0c' },
  apiKey: { header: 'X-API-Key', query: 'api_key', value: 'apikey-93be21' },
  oauth2: { clientId: 'open-connect', clientSecret: 'client-secret-5e8b7', tokenPath: '/oauth/token', scope: 'crm.read' },
  jira: { userToken: 'jira-user-token-1a2b', systemToken: 'jira-system-token-3c4d' },
} as const;

const COUNTRIES = ['DE', 'FR', 'US', 'GB', 'PL', 'JP', 'BR', 'CA', 'IN', 'NL'];
const WORDS = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Wonka', 'Tyrell', 'Cyberdyne'];
const SUFFIX = ['Ltd', 'GmbH', 'Inc', 'SARL', 'BV'];

export const SAMPLE_CUSTOMERS = Array.from({ length: 50 }, (_, i) => {
  const name = `${WORDS[i % 10]} ${['Labs', 'Systems', 'Trading', 'Foods', 'Energy'][Math.floor(i / 10)]} ${SUFFIX[i % 5]}`;
  return {
    id: 1001 + i,
    name,
    code: `C-${String(1001 + i)}`,
    country: COUNTRIES[(i * 3) % 10]!,
    email: `contact${i}@${WORDS[i % 10]!.toLowerCase()}.example`,
    active: i % 7 !== 0,
  };
});

export const SAMPLE_PROJECTS = [
  { id: '10000', key: 'ACME', name: 'Acme Rollout', projectTypeKey: 'software' },
  { id: '10001', key: 'OPS', name: 'Operations', projectTypeKey: 'service_desk' },
  { id: '10002', key: 'HR', name: 'People & Culture', projectTypeKey: 'business' },
];

export interface SampleUpstream {
  url: string;
  port: number;
  credentials: typeof SAMPLE_CREDENTIALS;
  requests: RecordedRequest[];
  tokenRequests: number;
  jiraCallers: Array<'user' | 'system'>;
  /** Every request waits this long before it is answered (0: at once). */
  stallMs: number;
  events: string[];
  maxInFlight: number;
  reset(): void;
  revokeTokens(): void;
  close(): Promise<void>;
}

export async function startSampleUpstream(): Promise<SampleUpstream> {
  const issued = new Set<string>();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const state: Pick<SampleUpstream, 'requests' | 'tokenRequests' | 'jiraCallers' | 'stallMs' | 'events' | 'maxInFlight'> = {
    requests: [],
    tokenRequests: 0,
    jiraCallers: [],
    stallMs: 0,
    events: [],
    maxInFlight: 0,
  };
  let inFlight = 0;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://upstream.local');
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        rawUrl: req.url ?? '/',
        query: Object.fromEntries(url.searchParams),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      state.requests.push(recorded);
      state.events.push(`start ${recorded.rawUrl}`);
      state.maxInFlight = Math.max(state.maxInFlight, ++inFlight);
      res.on('close', () => {
        inFlight--;
        state.events.push(`end ${recorded.rawUrl}`);
      });
      if (state.stallMs <= 0) return handle(recorded, url, req, res);
      const t = setTimeout(() => {
        timers.delete(t);
        if (!res.destroyed) handle(recorded, url, req, res);
      }, state.stallMs);
      timers.add(t);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const bearerOf = (r: RecordedRequest) => /^Bearer (.+)$/.exec(String(r.headers.authorization ?? ''))?.[1];

  function handle(r: RecordedRequest, url: URL, _req: IncomingMessage, res: ServerResponse) {
    let path = url.pathname;
    const auth = /^\/auth\/([A-Za-z0-9]+)(\/.*)$/.exec(path);
    if (auth) {
      if (!authorized(auth[1]!, r, url)) return json(res, 401, { error: 'unauthorized' });
      path = auth[2]!;
    }
    if (path === '/oauth/token' && r.method === 'POST') return token(r, res);
    if (path === '/health') return json(res, 200, { status: 'ok' });
    if (path === '/echo') return json(res, 200, { method: r.method, rawUrl: r.rawUrl, path, query: r.query, body: r.body });
    if (path === '/customers' && r.method === 'GET') {
      const q = (url.searchParams.get('q') ?? '').toLowerCase();
      const country = url.searchParams.get('country');
      const rows = SAMPLE_CUSTOMERS.filter((c) => c.name.toLowerCase().includes(q) && (!country || c.country === country));
      return json(res, 200, { customers: rows, total: rows.length });
    }
    if (path === '/customers/search' && r.method === 'POST') {
      let name = '';
      try {
        name = String((JSON.parse(r.body) as { name?: unknown }).name ?? '').toLowerCase();
      } catch {
        return json(res, 400, { error: 'body is not JSON' });
      }
      return json(res, 200, { results: SAMPLE_CUSTOMERS.filter((c) => c.name.toLowerCase().includes(name)) });
    }
    const one = /^\/customers\/(\d+)$/.exec(path);
    if (one) {
      const c = SAMPLE_CUSTOMERS.find((x) => String(x.id) === one[1]);
      return c ? json(res, 200, c) : json(res, 404, { error: 'no such customer' });
    }
    if (path === '/projects') return json(res, 200, SAMPLE_PROJECTS);
    if (path === '/slow') {
      const t = setTimeout(() => json(res, 200, { slow: true }), Number(url.searchParams.get('ms') ?? 30_000));
      timers.add(t);
      return;
    }
    if (path === '/trickle') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      const every = Number(url.searchParams.get('every') ?? 100);
      const t = setInterval(() => res.write(' '), every);
      timers.add(t);
      res.on('close', () => clearInterval(t));
      return;
    }
    if (path === '/garbage') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end('{"customers": [ this is not json');
    }
    if (path === '/huge' || path === '/huge-declared') return huge(res, path === '/huge-declared');
    const status = /^\/status\/(\d{3})$/.exec(path);
    if (status) return json(res, Number(status[1]), { error: `status ${status[1]}` });
    if (path === '/redirect') {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/health' });
      return res.end();
    }
    if (path.startsWith('/rest/api/3/')) return jira(r, url, res);
    json(res, 404, { error: 'not found' });
  }

  function authorized(mode: string, r: RecordedRequest, url: URL): boolean {
    const c = SAMPLE_CREDENTIALS;
    switch (mode) {
      case 'basic':
        return r.headers.authorization === `Basic ${Buffer.from(`${c.basic.username}:${c.basic.password}`).toString('base64')}`;
      case 'bearer':
        return bearerOf(r) === c.bearer.token;
      case 'apiKeyHeader':
        return r.headers[c.apiKey.header.toLowerCase()] === c.apiKey.value;
      case 'apiKeyQuery':
        return url.searchParams.get(c.apiKey.query) === c.apiKey.value;
      case 'oauth2':
        return issued.has(bearerOf(r) ?? '');
      default:
        return false;
    }
  }

  function token(r: RecordedRequest, res: ServerResponse) {
    state.tokenRequests++;
    const c = SAMPLE_CREDENTIALS.oauth2;
    const form = new URLSearchParams(r.body);
    const expected = `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`;
    if (r.headers.authorization !== expected) return json(res, 401, { error: 'invalid_client' });
    if (form.get('grant_type') !== 'client_credentials') return json(res, 400, { error: 'unsupported_grant_type' });
    const value = `oauth-access-${state.tokenRequests}-${Math.random().toString(36).slice(2)}`;
    issued.add(value);
    json(res, 200, { access_token: value, token_type: 'Bearer', expires_in: 3600, scope: form.get('scope') ?? '' });
  }

  function huge(res: ServerResponse, declared: boolean) {
    const row = JSON.stringify({ id: 1, name: 'x'.repeat(1000) });
    const count = Math.ceil((6 * 1024 * 1024) / (row.length + 1));
    const total = 2 + count * (row.length + 1) - 1;
    res.writeHead(200, { 'content-type': 'application/json', ...(declared ? { 'content-length': String(total) } : {}) });
    res.write('[');
    let i = 0;
    const pump = () => {
      while (i < count) {
        const ok = res.write(i === count - 1 ? row : `${row},`);
        i++;
        if (!ok) return void res.once('drain', pump);
      }
      res.end(']');
    };
    res.on('error', () => undefined);
    pump();
  }

  function jira(r: RecordedRequest, url: URL, res: ServerResponse) {
    const token = bearerOf(r);
    const caller = token === SAMPLE_CREDENTIALS.jira.userToken ? 'user' : token === SAMPLE_CREDENTIALS.jira.systemToken ? 'system' : null;
    if (!caller) return json(res, 401, { errorMessages: ['Unauthorized'] });
    state.jiraCallers.push(caller);
    const path = url.pathname;
    if (path === '/rest/api/3/serverInfo') return json(res, 200, { baseUrl: 'https://example.atlassian.net', version: '1001.0.0' });
    if (path === '/rest/api/3/project/search') {
      const q = (url.searchParams.get('query') ?? '').toLowerCase();
      const values = SAMPLE_PROJECTS.filter((p) => p.key.toLowerCase().includes(q) || p.name.toLowerCase().includes(q));
      return json(res, 200, { self: `${url.origin}${path}`, maxResults: 50, startAt: 0, total: values.length, isLast: true, values });
    }
    const issue = /^\/rest\/api\/3\/issue\/([A-Za-z0-9-]+)$/.exec(path);
    if (issue) {
      const all: Record<string, unknown> = {
        summary: 'Roll out the CRM link',
        customfield_10050: { id: '1003', value: 'Umbrella Labs Ltd' },
        customfield_10051: 'DE',
      };
      const wanted = url.searchParams.get('fields')?.split(',') ?? Object.keys(all);
      const fields = Object.fromEntries(wanted.filter((f) => f in all).map((f) => [f, all[f]]));
      return json(res, 200, { id: '20001', key: issue[1], fields });
    }
    json(res, 404, { errorMessages: ['Not found'] });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const up: SampleUpstream = {
    url: `http://127.0.0.1:${port}`,
    port,
    credentials: SAMPLE_CREDENTIALS,
    get requests() {
      return state.requests;
    },
    get tokenRequests() {
      return state.tokenRequests;
    },
    get jiraCallers() {
      return state.jiraCallers;
    },
    get stallMs() {
      return state.stallMs;
    },
    set stallMs(ms: number) {
      state.stallMs = ms;
    },
    get events() {
      return state.events;
    },
    get maxInFlight() {
      return state.maxInFlight;
    },
    reset() {
      state.requests = [];
      state.tokenRequests = 0;
      state.jiraCallers = [];
      state.stallMs = 0;
      state.events = [];
      state.maxInFlight = 0;
    },
    revokeTokens() {
      issued.clear();
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return up;
}
