// The contents of every table in one round trip: "nothing stored from a rejected request" is
// checked by comparing them before and after.
import type { Db } from '../../../companion/db/prisma.js';

export type TableContents = Record<string, string>;

export async function tableNames(db: Db): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<Array<{ table_name: string }>>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY table_name",
  );
  return rows.map((r) => r.table_name);
}

/**
 * Every table's contents in one round trip, as `<row count>:<sum of a 64-bit hash of each row>`:
 * "nothing stored from a rejected request" compares these, so an UPDATE or a DELETE + INSERT that
 * keeps the count the same is caught too. The sum does not depend on row order, so no table is
 * sorted: the fuzz suites read this after every refused request while their tables grow, and
 * sorting every row's text each time (md5 of string_agg ORDER BY) was about four times slower.
 */
export async function contentReader(db: Db): Promise<() => Promise<TableContents>> {
  const names = await tableNames(db);
  const one = (n: string) => `(SELECT count(*) || ':' || coalesce(sum(hashtextextended(t::text, 0)), 0) FROM "${n}" t)`;
  const sql = `SELECT ${names.map((n, i) => `${one(n)} AS c${i}`).join(', ')}`;
  return async () => {
    const [row] = await db.$queryRawUnsafe<Array<Record<string, string>>>(sql);
    return Object.fromEntries(names.map((n, i) => [n, String(row?.[`c${i}`] ?? '')]));
  };
}

/** Every table's rows as JSON text (for "this value is stored nowhere"). */
export async function dumpAllTables(db: Db): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of await tableNames(db)) {
    const rows = await db.$queryRawUnsafe<unknown[]>(`SELECT * FROM "${name}"`);
    out[name] = JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
  }
  return out;
}
