// GET /ready: the database answers and every migration shipped with this build is applied. An
// instance started before a newer one migrated stays ready; one whose schema is behind is not.
import type { Db } from './prisma.js';

export function readinessCheck(db: Db, expected: readonly string[]): () => Promise<boolean> {
  return async () => {
    const rows = await db.$queryRaw<Array<{ migration_name: string }>>`
      SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
    const applied = new Set(rows.map((r) => r.migration_name));
    return expected.every((name) => applied.has(name));
  };
}
