// In-process copies of configuration the hot path needs (a field, a datasource with its decrypted
// secrets), so that an options request answered from the in-process cache costs no database round
// trip.
//
// How copies stay right:
// - this instance drops a copy the moment it changes the row (field service, cache clear, and the
//   datasource routes through cache-invalidation-hooks.ts);
// - other instances' changes are noticed by re-validation: a copy older than REVALIDATE_MS is checked
//   against the row's `version` and `cacheGeneration` (one small query) before it is used again.
// We chose the re-validation window over Postgres LISTEN/NOTIFY because the embedded database serves
// a single connection (a listening connection would block every query) and because a missed
// notification would leave a copy wrong for good, while a window bounds staleness at one second.
// While the database is unreachable, a copy is kept and used: options may still answer from memory.
import type { Clock } from '../clock.js';
import { isDatabaseUnavailable } from '../db/database-errors.js';

export const REVALIDATE_MS = 1_000;
const MAX_COPIES = 10_000;

export interface Stamp {
  /** The row's id: a reference by key may come to name another row (deleted, then connected again). */
  id: string;
  version: number;
  cacheGeneration: number;
}

interface Copy<T> {
  value: T;
  stamp: Stamp;
  checkedAt: number;
}

export interface SnapshotSource<T> {
  /** Loads the full value and its stamp; null when it does not exist (or was deleted). */
  load(tenantId: string, id: string): Promise<{ value: T; stamp: Stamp } | null>;
  /** The current stamp only (cheap); null when it no longer exists. */
  stamp(tenantId: string, id: string): Promise<Stamp | null>;
}

export class ConfigSnapshots<T> {
  private readonly copies = new Map<string, Copy<T>>();

  constructor(
    private readonly clock: Clock,
    private readonly source: SnapshotSource<T>,
  ) {}

  async get(tenantId: string, id: string): Promise<T | null> {
    const key = `${tenantId}/${id}`;
    const copy = this.copies.get(key);
    const now = this.clock.now().getTime();
    if (copy && now - copy.checkedAt < REVALIDATE_MS) return copy.value;
    try {
      if (copy) {
        const stamp = await this.source.stamp(tenantId, id);
        if (stamp && stamp.id === copy.stamp.id && stamp.version === copy.stamp.version && stamp.cacheGeneration === copy.stamp.cacheGeneration) {
          copy.checkedAt = now;
          return copy.value;
        }
      }
      const loaded = await this.source.load(tenantId, id);
      if (!loaded) {
        this.copies.delete(key);
        return null;
      }
      if (this.copies.size >= MAX_COPIES) this.copies.clear();
      this.copies.set(key, { value: loaded.value, stamp: loaded.stamp, checkedAt: now });
      return loaded.value;
    } catch (error) {
      if (copy && isDatabaseUnavailable(error)) return copy.value;
      throw error;
    }
  }

  /** Drops copies whose value matches (e.g. every alias of a field, by id and by key). */
  forget(tenantId: string, match: (value: T) => boolean) {
    const prefix = `${tenantId}/`;
    for (const [k, c] of this.copies) if (k.startsWith(prefix) && match(c.value)) this.copies.delete(k);
  }
}
