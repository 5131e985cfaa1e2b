// `npm start`: the companion process. Without DATABASE_URL it starts the embedded Postgres under
// DATA_DIR (.data/) so that a newcomer needs no database server.
import { join } from 'node:path';
import closeWithGrace from 'close-with-grace';
import { loadConfig, ConfigError } from './config.js';
import { startCompanion } from './start-companion.js';

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const companion = await startCompanion(config, { embeddedDir: join(config.dataDir, 'pglite') });
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
