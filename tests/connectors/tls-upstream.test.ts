// TLS failures of an upstream are a clear 502 naming the cause: a self-signed certificate is not
// trusted (the companion never turns certificate checks off).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { previewOf, testConnection } from './connector-fixtures.js';

async function selfSignedServer(): Promise<{ server: Server; url: string; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'oc-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const server = createServer({ key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('[{"id":"1","name":"secret data"}]');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `https://127.0.0.1:${(server.address() as { port: number }).port}`, dir };
}

describe.each(databaseKinds())('TLS upstream on %s', (kind) => {
  let c: TestCompanion;
  let tls: Awaited<ReturnType<typeof selfSignedServer>>;
  beforeAll(async () => {
    tls = await selfSignedServer();
    c = await startTestCompanion(kind, { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } });
  });
  afterAll(async () => {
    await c?.close();
    tls?.server.close();
    if (tls) await rm(tls.dir, { recursive: true, force: true });
  });

  it('refuses an untrusted certificate with a clear 502', async () => {
    const { res, dsId } = await previewOf(c, { type: 'rest', name: 'Vault', config: { baseUrl: tls.url, testPath: '/' } }, { query: '/items' });
    expect(res.statusCode).toBe(502);
    expect(res.json().error).toEqual({ code: 'upstream_error', message: 'Datasource "Vault" presented a self-signed TLS certificate' });
    expect(res.body).not.toContain('secret data');
    expect((await testConnection(c, dsId)).json()).toMatchObject({ ok: false, message: expect.stringContaining('TLS') });
  });
});
