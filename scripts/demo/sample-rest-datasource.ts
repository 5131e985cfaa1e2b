// A small REST/JSON service on loopback standing in for a customer's system: countries, and the
// cities of a country. The demo and the Forge tests point a `rest` datasource at it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const COUNTRIES = [
  { code: 'FR', name: 'France' },
  { code: 'DE', name: 'Germany' },
  { code: 'JP', name: 'Japan' },
];

export const CITIES: Record<string, Array<{ id: string; name: string }>> = {
  FR: [
    { id: 'par', name: 'Paris' },
    { id: 'lyo', name: 'Lyon' },
  ],
  DE: [
    { id: 'ber', name: 'Berlin' },
    { id: 'ham', name: 'Hamburg' },
  ],
  JP: [
    { id: 'tyo', name: 'Tokyo' },
    { id: 'osa', name: 'Osaka' },
  ],
};

export interface SampleRestDatasource {
  url: string;
  /** Paths requested so far, in order (what reached "the customer's system"). */
  requests: string[];
  close(): Promise<void>;
}

export async function startSampleRestDatasource(): Promise<SampleRestDatasource> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(`${url.pathname}${url.search}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const q = (url.searchParams.get('q') ?? '').toLowerCase();
    if (url.pathname === '/health') return send(200, { ok: true });
    if (url.pathname === '/countries') return send(200, { countries: COUNTRIES.filter((c) => c.name.toLowerCase().includes(q)) });
    if (url.pathname === '/cities') {
      const cities = CITIES[(url.searchParams.get('country') ?? '').toUpperCase()] ?? [];
      return send(200, { cities: cities.filter((c) => c.name.toLowerCase().includes(q)) });
    }
    return send(404, { message: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
