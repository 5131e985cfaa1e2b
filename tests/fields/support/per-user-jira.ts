// A real HTTP server on loopback playing the tenant's Jira for the per-user cache suite: what
// `GET /rest/api/3/project/search` answers depends on the bearer token, as Jira's permissions do.
// `GET /crm/customers` plays a REST service that takes the datasource's own bearer secret.
// Every request is recorded with its token; requests made with a held token wait until released.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface JiraHit {
  path: string;
  token: string | undefined;
}

/** Projects each token may browse; a token listed in `refused` gets 403, any other 401. */
const VISIBLE: Record<string, Array<{ id: string; key: string }>> = {
  'token-a': [{ id: '10000', key: 'SECRET' }],
  'token-c': [{ id: '10001', key: 'OPS' }],
  'token-app': [
    { id: '10000', key: 'SECRET' },
    { id: '10001', key: 'OPS' },
  ],
};
const REFUSED = new Set(['token-b']);
export const CRM_SECRET = 'crm-datasource-secret-5d1';

export class PerUserJira {
  readonly hits: JiraHit[] = [];
  url = '';
  private server!: Server;
  private heldToken: string | null = null;
  private held: Array<() => void> = [];
  private watchers: Array<{ token: string; seen: () => void }> = [];
  /** Per token, a status Jira answers instead (403: the user lost access; 503: Jira is down). */
  private readonly overrides = new Map<string, number>();

  static async start(): Promise<PerUserJira> {
    const j = new PerUserJira();
    j.server = createServer((req, res) => void j.handle(req, res));
    await new Promise<void>((resolve) => j.server.listen(0, '127.0.0.1', resolve));
    j.url = `http://127.0.0.1:${(j.server.address() as AddressInfo).port}`;
    return j;
  }

  callsWith(token: string): number {
    return this.hits.filter((h) => h.token === token).length;
  }

  /** Resolves once a request carrying `token` arrived (at once if one already did). */
  seen(token: string): Promise<void> {
    if (this.callsWith(token) > 0) return Promise.resolve();
    return new Promise((seen) => this.watchers.push({ token, seen }));
  }

  /** Requests carrying `token` wait until `release()`; others are answered at once. */
  hold(token: string) {
    this.heldToken = token;
  }

  release() {
    this.heldToken = null;
    for (const go of this.held.splice(0)) go();
  }

  reset() {
    this.hits.length = 0;
    this.overrides.clear();
  }

  /** From now on requests carrying `token` get `status` (until reset). */
  answerWith(token: string, status: number) {
    this.overrides.set(token, status);
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', this.url);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    this.hits.push({ path: `${url.pathname}${url.search}`, token });
    for (const w of this.watchers.filter((x) => x.token === token)) w.seen();
    this.watchers = this.watchers.filter((x) => x.token !== token);
    if (token !== undefined && token === this.heldToken) await new Promise<void>((go) => this.held.push(go));
    const [status, body] = this.answer(url.pathname, token);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private answer(path: string, token: string | undefined): [number, unknown] {
    if (path === '/crm/customers') {
      return token === CRM_SECRET ? [200, { items: [{ id: 'c1', name: 'Acme' }, { id: 'c2', name: 'Globex' }] }] : [401, { message: 'bad credentials' }];
    }
    if (path !== '/rest/api/3/project/search') return [404, { errorMessages: ['no such path'] }];
    const override = token === undefined ? undefined : this.overrides.get(token);
    if (override) return [override, { errorMessages: [`answered ${override} for this token`] }];
    if (token !== undefined && REFUSED.has(token)) return [403, { errorMessages: ['You do not have permission to browse projects'] }];
    const visible = token === undefined ? undefined : VISIBLE[token];
    return visible ? [200, { values: visible }] : [401, { errorMessages: ['unauthorized'] }];
  }

  async stop() {
    this.release();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
