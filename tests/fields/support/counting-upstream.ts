// A real HTTP upstream on loopback for the field suites: a small REST API (customers, regions →
// countries → cities) plus a stand-in for Jira's issue API, counting every hit so tests can prove
// what reached it. It can fail (500) or hold answers until released.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Hit {
  path: string;
  authorization: string | undefined;
}

const COUNTRIES: Record<string, Array<{ code: string; name: string }>> = {
  EU: [
    { code: 'FR', name: 'France' },
    { code: 'DE', name: 'Germany' },
  ],
  AM: [
    { code: 'US', name: 'United States' },
    { code: 'CA', name: 'Canada' },
  ],
};
const CITIES: Record<string, string[]> = { FR: ['Paris', 'Lyon'], DE: ['Berlin'], US: ['Boston', 'Denver'], CA: ['Toronto'] };

export class CountingUpstream {
  readonly hits: Hit[] = [];
  failing = false;
  /** Issue fields the fake Jira answers with, by issue key. */
  issues: Record<string, Record<string, unknown>> = {};
  private held: Array<() => void> | null = null;
  private server!: Server;
  url = '';

  static async start(): Promise<CountingUpstream> {
    const u = new CountingUpstream();
    u.server = createServer((req, res) => void u.handle(req).then(([status, body]) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    }));
    await new Promise<void>((resolve) => u.server.listen(0, '127.0.0.1', resolve));
    u.url = `http://127.0.0.1:${(u.server.address() as AddressInfo).port}`;
    return u;
  }

  count(prefix: string): number {
    return this.hits.filter((h) => h.path.startsWith(prefix)).length;
  }

  /** From now on answers wait until `release()`. */
  hold() {
    this.held = [];
  }

  release() {
    const waiting = this.held ?? [];
    this.held = null;
    for (const go of waiting) go();
  }

  private async handle(req: IncomingMessage): Promise<[number, unknown]> {
    const url = new URL(req.url ?? '/', this.url);
    this.hits.push({ path: `${url.pathname}${url.search}`, authorization: req.headers.authorization });
    if (this.held) await new Promise<void>((resolve) => this.held!.push(resolve));
    if (this.failing) return [500, { message: 'upstream is down' }];
    const q = url.searchParams;
    switch (url.pathname) {
      case '/customers': {
        const all = Array.from({ length: 100 }, (_, i) => ({ id: `c${i + 1}`, name: `Customer ${i + 1}` }));
        const needle = (q.get('q') ?? '').toLowerCase();
        return [200, { items: all.filter((c) => c.name.toLowerCase().includes(needle)) }];
      }
      case '/regions':
        return [200, { items: [{ code: 'EU', name: 'Europe' }, { code: 'AM', name: 'Americas' }] }];
      case '/countries':
        return [200, { items: COUNTRIES[q.get('region') ?? ''] ?? [] }];
      case '/cities':
        return [200, { items: (CITIES[q.get('country') ?? ''] ?? []).map((name) => ({ name })) }];
    }
    const issue = /^\/jira\/rest\/api\/3\/issue\/([^/]+)$/.exec(url.pathname);
    if (issue) {
      const fields = this.issues[decodeURIComponent(issue[1]!)];
      if (!fields) return [404, { errorMessages: ['Issue does not exist'] }];
      const wanted = (q.get('fields') ?? '').split(',');
      return [200, { key: issue[1], fields: Object.fromEntries(Object.entries(fields).filter(([k]) => wanted.includes(k))) }];
    }
    return [404, { message: 'no such path' }];
  }

  async stop() {
    this.release();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
