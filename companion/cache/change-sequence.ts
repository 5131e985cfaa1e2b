// Each tenant's change sequence ("TenantChange", bumped by database triggers in the same transaction
// as every datasource or field change, cache clears included), read by a request before it trusts
// the in-process copies of that configuration: what another instance committed before the request
// arrived is seen by it, not by some later request.
//
// The reads are coalesced the way a database groups commits: at most one read is in flight and at
// most one waits to start; a request joins the waiting one (it starts after the request arrived, so
// it sees every change committed before), or takes the result of a read that already started after
// its arrival. Under load one small query serves every tenant's requests of a round trip; idle, a
// request waits for one round trip. The embedded database (one process by construction) needs none
// of this: runtime-caches.ts does not create a sequence for it.
import type { Db } from '../db/prisma.js';
import { isDatabaseUnavailable } from '../db/database-errors.js';

/** While this instance cannot reach the database, copies are trusted for this long between tries. */
const UNAVAILABLE_BACKOFF_MS = 1_000;

interface Observation {
  /** performance.now() when the read that gave `seq` was sent. */
  startedAt: number;
  seq: string;
}

interface Batch {
  tenants: Set<string>;
  done: Promise<void>;
}

export type SequenceReader = (tenantIds: string[]) => Promise<Map<string, string>>;

export function readTenantChanges(db: Db): SequenceReader {
  return async (tenantIds) => {
    const rows = await db.$queryRaw<Array<{ tenantId: string; seq: string }>>`
      SELECT "tenantId"::text AS "tenantId", seq::text AS seq FROM "TenantChange" WHERE "tenantId" = ANY(${tenantIds}::uuid[])`;
    return new Map(rows.map((r) => [r.tenantId, r.seq]));
  };
}

export class ChangeSequence {
  private readonly seen = new Map<string, Observation>();
  private running: Promise<void> | null = null;
  private waiting: Batch | null = null;
  private unavailableUntil = 0;
  /** Reads sent so far (metrics, tests). */
  reads = 0;

  constructor(private readonly read: SequenceReader) {}

  /**
   * The tenant's sequence as of a read sent at or after `since` (performance.now() ms, normally the
   * request's arrival); null when the database cannot be reached (the caller keeps its copies).
   */
  async current(tenantId: string, since: number): Promise<string | null> {
    const known = this.seen.get(tenantId);
    if (known && known.startedAt >= since) return known.seq;
    if (performance.now() < this.unavailableUntil) return null;
    let batch = this.waiting;
    if (!batch) {
      const tenants = new Set<string>();
      const after = this.running ?? Promise.resolve();
      batch = { tenants, done: after.then(() => this.send(batch!)) };
      this.waiting = batch;
    }
    batch.tenants.add(tenantId);
    await batch.done;
    const seen = this.seen.get(tenantId);
    return seen && seen.startedAt >= since ? seen.seq : null;
  }

  private send(batch: Batch): Promise<void> {
    if (this.waiting === batch) this.waiting = null;
    const startedAt = performance.now();
    this.reads += 1;
    const ids = [...batch.tenants];
    const work = this.read(ids).then(
      (seqs) => {
        // A tenant that never changed has no row yet: sequence 0.
        for (const id of ids) this.seen.set(id, { startedAt, seq: seqs.get(id) ?? '0' });
      },
      (error: unknown) => {
        if (!isDatabaseUnavailable(error)) throw error;
        this.unavailableUntil = performance.now() + UNAVAILABLE_BACKOFF_MS;
      },
    );
    const settled = work.catch(() => undefined).finally(() => {
      if (this.running === settled) this.running = null;
    });
    this.running = settled;
    return work;
  }
}
