// The embedded database has no authentication of its own (every connection is its superuser), so
// it must not be reachable by anyone but the companion's own user: no TCP port, and a Unix socket in
// a directory only that user may enter. Shown by connecting as another local user (nobody), which
// the operating system refuses.
import { describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../companion/db/embedded-postgres.js';

const run = promisify(execFile);
const NOBODY = 65534;

/** Every TCP port this process listens on (Linux: /proc/net/tcp{,6}, state 0A = LISTEN). */
async function listeningPortsOfThisProcess(): Promise<number[]> {
  const inodes = new Set<string>();
  const { readdir, readlink } = await import('node:fs/promises');
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(target);
    if (m) inodes.add(m[1]!);
  }
  const ports: number[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await readFile(file, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && inodes.has(cols[9]!)) ports.push(parseInt(cols[1]!.split(':')[1]!, 16));
    }
  }
  return ports;
}

/** From the migrated template the global setup made (a new database would run initdb: seconds). */
const startFromTemplate = async () => startEmbeddedPostgres(undefined, new Blob([await readFile(inject('embeddedTemplateFile'))]));

describe('the embedded database socket', () => {
  it('listens on no TCP port, only on a socket in a directory private to this user', async () => {
    const before = await listeningPortsOfThisProcess();
    const embedded = await startFromTemplate();
    try {
      expect(await listeningPortsOfThisProcess()).toEqual(before);
      const url = new URL(embedded.url);
      expect(url.searchParams.get('host')).toBe(embedded.socketDir);
      const dir = await stat(embedded.socketDir);
      expect(dir.mode & 0o777).toBe(0o700);
      expect(dir.uid).toBe(process.getuid!());
      expect((await stat(join(embedded.socketDir, '.s.PGSQL.5432'))).isSocket()).toBe(true);
      // The companion itself connects.
      const client = new pg.Client({ connectionString: embedded.url });
      await client.connect();
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      await client.end();
    } finally {
      await embedded.stop();
    }
  });

  // Connecting as another user needs the right to become one: root can, and CI runs as root. As
  // any other user the directory test above is what the operating system enforces.
  it.runIf(process.getuid?.() === 0)('refuses a connection from another local user', async () => {
    const embedded = await startFromTemplate();
    try {
      const attempt = `
        const net = require('node:net');
        const s = net.connect(${JSON.stringify(join(embedded.socketDir, '.s.PGSQL.5432'))});
        s.on('connect', () => { console.log('connected'); process.exit(0); });
        s.on('error', (e) => { console.log(e.code); process.exit(0); });`;
      const asNobody = await run(process.execPath, ['-e', attempt], { uid: NOBODY, gid: NOBODY, cwd: '/' });
      expect(asNobody.stdout.trim()).toBe('EACCES');
      // The same attempt as this user connects: the refusal is about who asks, not a broken socket.
      const asUs = await run(process.execPath, ['-e', attempt], { cwd: '/' });
      expect(asUs.stdout.trim()).toBe('connected');
    } finally {
      await embedded.stop();
    }
  });
});
