// Builds the keyring from configuration. Outside production a missing key is generated once and
// kept under the data folder (with a warning); in production config.ts already refused to start.
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';
import type { Keyring } from './secret-box.js';

export async function loadKeyring(config: Config, warn: (message: string) => void): Promise<Keyring> {
  const previous = config.previousKeys.map((k) => ({ id: k.id, key: Buffer.from(k.key, 'base64') }));
  if (config.encryptionKey) {
    return { current: { id: config.encryptionKeyId, key: Buffer.from(config.encryptionKey, 'base64') }, previous };
  }
  const file = join(config.dataDir, 'encryption.key');
  let base64: string;
  try {
    base64 = (await readFile(file, 'utf8')).trim();
  } catch {
    base64 = randomBytes(32).toString('base64');
    await mkdir(config.dataDir, { recursive: true });
    await writeFile(file, `${base64}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
  }
  warn(`COMPANION_ENCRYPTION_KEY is not set: using the development key in ${file}. Set it in production.`);
  return { current: { id: config.encryptionKeyId, key: Buffer.from(base64, 'base64') }, previous };
}
