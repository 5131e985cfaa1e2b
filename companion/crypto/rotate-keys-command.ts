// `npm run rotate-keys`: after setting a new COMPANION_ENCRYPTION_KEY (+ COMPANION_ENCRYPTION_KEY_ID)
// and moving the old one to COMPANION_PREVIOUS_KEYS, re-encrypts all stored secrets under the new key
// (and encrypts credential headers that rows written before they were encrypted hold in plain text).
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { createPrisma } from '../db/prisma.js';
import { migrateDatabase } from '../db/migrate.js';
import { startEmbeddedPostgres } from '../db/embedded-postgres.js';
import { loadKeyring } from './load-keyring.js';
import { SecretBox } from './secret-box.js';
import { reencryptSecrets } from './reencrypt-secrets.js';

async function main() {
  const config = loadConfig();
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(join(config.dataDir, 'pglite'));
  const url = config.databaseUrl ?? embedded!.url;
  try {
    await migrateDatabase(url);
    const db = createPrisma(url, 1);
    const box = new SecretBox(await loadKeyring(config, (m) => console.warn(m)));
    const result = await reencryptSecrets(db, box);
    const moved = result.headersMoved > 0 ? ` (${result.headersMoved} of them credential header(s) moved out of plain text in a datasource's config)` : '';
    console.log(`re-encrypted ${result.secrets} secret(s)${moved} in ${result.datasources} datasource(s) under key ${box.currentKeyId}`);
    await db.$disconnect();
  } finally {
    await embedded?.stop();
  }
}

main().catch((error) => {
  console.error('rotate-keys failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
