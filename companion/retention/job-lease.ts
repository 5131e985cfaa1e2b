// A lease in the JobLease table so that a job runs on one instance at a time. Taking it is one
// atomic statement (insert, or take over an expired lease), so of two instances, or two calls in
// one instance, exactly one wins. The lease is not handed back when the run ends: it simply
// expires, and every attempt inside the window is a no-op. That makes "two runs at once" purge
// once whatever the interleaving, and a crashed holder blocks others only until expiry.
import type { DbTx } from '../db/prisma.js';

export async function takeLease(db: DbTx, name: string, holder: string, now: Date, leaseMs: number): Promise<boolean> {
  const until = new Date(now.getTime() + leaseMs);
  const rows = await db.$queryRaw<Array<{ holder: string }>>`
    INSERT INTO "JobLease" ("name", "holder", "leaseUntil")
    VALUES (${name}, ${holder}, ${until})
    ON CONFLICT ("name") DO UPDATE SET "holder" = EXCLUDED."holder", "leaseUntil" = EXCLUDED."leaseUntil"
    WHERE "JobLease"."leaseUntil" <= ${now}
    RETURNING "holder"`;
  return rows.length === 1 && rows[0]!.holder === holder;
}

export async function noteRun(db: DbTx, name: string, holder: string, at: Date): Promise<void> {
  await db.jobLease.updateMany({ where: { name, holder }, data: { lastRunAt: at } });
}
