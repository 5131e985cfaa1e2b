// `npm start` as a real process (what the script runs: scripts/start-companion.mjs), for tests about
// start-up: it listens on a port of its own choosing (PORT=0) and says where in its log line.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface SpawnedCompanion {
  address: string;
  output: () => string;
  stop(): Promise<void>;
}

export async function spawnCompanion(env: Record<string, string>, timeoutMs = 90_000): Promise<SpawnedCompanion> {
  const child: ChildProcess = spawn(process.execPath, ['scripts/start-companion.mjs'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CHECKPOINT_DISABLE: '1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the companion did not start in ${timeoutMs} ms:\n${text}`)), timeoutMs);
    const look = () => {
      const line = text.split('\n').find((l) => l.includes('"companion listening"'));
      if (line) {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { address: string }).address);
      }
    };
    child.stdout!.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the companion exited (${code}) before listening:\n${text}`));
    });
  });
  return {
    address,
    output: () => text,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
