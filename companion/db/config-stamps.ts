// The stamp of one field or datasource row (id, version, cache generation): what tells a held copy
// of its configuration from a changed one (cache/config-snapshots.ts). Read straight through pg,
// not Prisma: on the embedded database every held copy is re-checked this way once a second while
// it is used, and through Prisma each read cost the main thread about a millisecond and a half,
// enough to show in a warm load's p99 (docs/BENCHMARKS.md).
import type { Db } from './prisma.js';
import { sqlRows } from './prisma.js';

export interface RowStamp {
  id: string;
  version: number;
  cacheGeneration: number;
}

const statement = (table: 'Field' | 'Datasource', by: 'id' | 'key') =>
  `SELECT id::text AS id, version, "cacheGeneration" FROM "${table}"
    WHERE "tenantId" = $1::uuid AND ${by === 'id' ? 'id = $2::uuid' : 'key = $2'} AND "deletedAt" IS NULL LIMIT 1`;

const STATEMENTS = {
  'Field:id': statement('Field', 'id'),
  'Field:key': statement('Field', 'key'),
  'Datasource:id': statement('Datasource', 'id'),
} as const;

/** The stamp of the tenant's live row whose `by` is `value`, or null. `id` values must be uuids. */
export async function readStamp(db: Db, what: keyof typeof STATEMENTS, tenantId: string, value: string): Promise<RowStamp | null> {
  const rows = await sqlRows<RowStamp>(db, `oc-stamp-${what.replace(':', '-').toLowerCase()}`, STATEMENTS[what], [tenantId, value]);
  return rows[0] ?? null;
}
