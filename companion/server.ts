// `npm start`: the companion process. Without DATABASE_URL it starts the embedded Postgres under
// DATA_DIR (.data/) so that a newcomer needs no database server. That database is started first, on
// a thread of its own, and the rest of the companion is loaded (most of the modules a start loads)
// and built while PGlite opens or creates its cluster: the dynamic import below is a chunk of its own
// in the bundle (scripts/companion-bundle.mjs), so none of it is loaded before this runs.
import { join } from 'node:path';
import { loadConfig, ConfigError, type Config } from './config.js';
import { startEmbeddedPostgresThread } from './db/embedded-thread.js';

async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const embeddedThread = config.databaseUrl ? undefined : await startEmbeddedPostgresThread(join(config.dataDir, 'pglite'));
  const [{ startCompanion }, { default: closeWithGrace }] = await Promise.all([import('./start-companion.js'), import('close-with-grace')]);
  const companion = await startCompanion(config, { embeddedThread });
  const address = await companion.app.listen({ port: config.port, host: config.host });
  companion.app.log.info({ address, database: config.databaseUrl ? 'external' : 'embedded' }, 'companion listening');

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) companion.app.log.error({ err }, 'closing after an error');
    else companion.app.log.info({ signal }, 'shutting down');
    await companion.stop();
  });
}

main().catch((error) => {
  console.error('companion failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
