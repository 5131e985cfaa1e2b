// In-process copies of configuration the hot path needs (a field, a datasource with its decrypted
// secrets), so that an options request answered from the in-process cache costs no database round
// trip.
//
// How copies stay right:
// - this instance drops a copy the moment it changes the row (field service, cache clear, and the
//   datasource routes through cache-invalidation-hooks.ts);
// - other instances' changes are noticed by re-validation: once a copy is older than REVALIDATE_MS,
//   the next request starts one background check of the row's `version` and `cacheGeneration` (one
//   small query) and the copy is replaced if they moved; requests never wait for that check.
// We chose the re-validation window over Postgres LISTEN/NOTIFY because the embedded database serves
// a single connection (a listening connection would block every query) and because a missed
// notification would leave a copy wrong for good, while a window bounds staleness at about one second.
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
  private readonly checking = new Map<string, Promise<T | null>>();

  constructor(
    private readonly clock: Clock,
    private readonly source: SnapshotSource<T>,
  ) {}

  async get(tenantId: string, id: string): Promise<T | null> {
    const key = `${tenantId}/${id}`;
    const copy = this.copies.get(key);
    if (copy) {
      // Past its window the copy is re-validated in the background, once, while requests keep using
      // it: the database never sits on the path of a request that already has a copy.
      if (this.clock.now().getTime() - copy.checkedAt >= REVALIDATE_MS) void this.refresh(key, tenantId, id, copy).catch(() => undefined);
      return copy.value;
    }
    return this.refresh(key, tenantId, id, undefined);
  }

  private refresh(key: string, tenantId: string, id: string, copy: Copy<T> | undefined): Promise<T | null> {
    const running = this.checking.get(key);
    if (running) return running;
    const work = this.check(key, tenantId, id, copy).finally(() => this.checking.delete(key));
    this.checking.set(key, work);
    return work;
  }

  private async check(key: string, tenantId: string, id: string, copy: Copy<T> | undefined): Promise<T | null> {
    const now = this.clock.now().getTime();
    try {
      if (copy) {
        const stamp = await this.source.stamp(tenantId, id);
        if (stamp && stamp.id === copy.stamp.id && stamp.version === copy.stamp.version && stamp.cacheGeneration === copy.stamp.cacheGeneration) {
          copy.checkedAt = now;
          return copy.value;
        }
      }
      const loaded = await this.source.load(tenantId, id);
      // A forget() while this ran means the row changed under us: do not put back what we read.
      if (copy && this.copies.get(key) !== copy) return loaded?.value ?? null;
      if (!loaded) {
        this.copies.delete(key);
        return null;
      }
      if (this.copies.size >= MAX_COPIES) this.copies.clear();
      this.copies.set(key, { value: loaded.value, stamp: loaded.stamp, checkedAt: now });
      return loaded.value;
    } catch (error) {
      if (copy && isDatabaseUnavailable(error)) {
        // Checked again after the next window, not on every request: each try waits for a timeout.
        copy.checkedAt = now;
        return copy.value;
      }
      throw error;
    }
  }

  /** Drops copies whose value matches (e.g. every alias of a field, by id and by key). */
  forget(tenantId: string, match: (value: T) => boolean) {
    const prefix = `${tenantId}/`;
    for (const [k, c] of this.copies) if (k.startsWith(prefix) && match(c.value)) this.copies.delete(k);
  }
}
