// Row counts of every table in one round trip: "nothing stored from a rejected request" is checked
// by comparing these before and after.
import type { Db } from '../../../companion/db/prisma.js';

export type RowCounts = Record<string, number>;

export async function tableNames(db: Db): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<Array<{ table_name: string }>>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY table_name",
  );
  return rows.map((r) => r.table_name);
}

export async function rowCounter(db: Db): Promise<() => Promise<RowCounts>> {
  const names = await tableNames(db);
  const sql = `SELECT ${names.map((n, i) => `(SELECT count(*) FROM "${n}") AS c${i}`).join(', ')}`;
  return async () => {
    const [row] = await db.$queryRawUnsafe<Array<Record<string, bigint | number>>>(sql);
    return Object.fromEntries(names.map((n, i) => [n, Number(row?.[`c${i}`] ?? 0)]));
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
