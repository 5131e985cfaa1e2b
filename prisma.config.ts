// Prisma CLI configuration: the JS (wasm) schema engine through the pg driver adapter, so that
// `prisma migrate deploy` works offline with no engine binary to download (notes/toolchain.md).
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  experimental: { adapter: true },
  engine: 'js',
  async adapter() {
    const connectionString = process.env.DATABASE_URL;
    if (!connectionString) throw new Error('DATABASE_URL must be set for Prisma CLI commands');
    // A short idle timeout lets the CLI exit as soon as it is done (pg keeps idle clients 10 s by default).
    return new PrismaPg({ connectionString, idleTimeoutMillis: 50 });
  },
});
