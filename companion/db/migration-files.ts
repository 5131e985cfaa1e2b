// The migrations shipped with this build (prisma/migrations/<name>/migration.sql), with the checksum
// Prisma records for each one (SHA-256 of the file), so that what the companion applies and what
// `prisma migrate deploy` applies are the same rows in `_prisma_migrations`.
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const migrationsDir = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export async function shippedMigrations(): Promise<string[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

export async function shippedMigrationFiles(): Promise<MigrationFile[]> {
  return Promise.all(
    (await shippedMigrations()).map(async (name) => {
      const bytes = await readFile(join(migrationsDir, name, 'migration.sql'));
      return { name, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') };
    }),
  );
}
