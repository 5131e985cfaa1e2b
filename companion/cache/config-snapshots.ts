// In-process copies of configuration the hot path needs (a field, a datasource with its decrypted
// secrets), so that an options request answered from the in-process cache costs no database round
// trip for the configuration itself.
//
// How copies stay right:
// - this instance drops a copy the moment it changes the row (field service, cache clear, and the
//   datasource routes through cache-invalidation-hooks.ts);
// - on PostgreSQL, other instances' changes are seen by the very next request: before it uses a
//   copy, a request takes the tenant's change sequence (change-sequence.ts): pushed to this
//   instance by LISTEN/NOTIFY while its listener is provably caught up, otherwise read by a query
//   sent after the request arrived; when the sequence moved, the tenant's copies are dropped and
//   loaded again. The reads are shared by concurrent requests (at most one in flight and one queued);
// - on the embedded database (one process: every change is made by this instance) there is no
//   sequence; a copy older than REVALIDATE_MS is re-validated in the background instead (one small
//   query on its `version` and `cacheGeneration`), which only matters for changes made by hand.
// LISTEN/NOTIFY alone could not give "the next request": a notification arrives some time after the
// commit, and one missed while reconnecting would leave a copy wrong for good. change-sequence.ts
// closes both gaps (a trust window proven by the listener's own statements, writers that wait for
// the other instances' acknowledgement, and a read whenever the listener cannot vouch).
// While the database is unreachable, a copy is kept and used: options may still answer from memory.
import type { Clock } from '../clock.js';
import { isDatabaseUnavailable } from '../db/database-errors.js';
import type { ChangeSequence } from './change-sequence.js';

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

interface TenantState {
  /** The change sequence the tenant's copies were loaded under. */
  seq: string;
  /** Bumped whenever the tenant's copies are dropped: a load started before does not put its copy back. */
  epoch: number;
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
  private readonly tenants = new Map<string, TenantState>();
  private lastEpoch = 0;

  /** `changes`: the shared change sequence (PostgreSQL); undefined on the embedded database. */
  constructor(
    private readonly clock: Clock,
    private readonly source: SnapshotSource<T>,
    private readonly changes?: ChangeSequence,
  ) {}

  /**
   * The current value when it is known without any I/O: on PostgreSQL the tenant's change sequence
   * is pushed and vouched for (change-sequence.ts), and a copy is held. Undefined otherwise (then
   * `get` reads what it needs). `since` as for `get`.
   */
  peek(tenantId: string, id: string, since?: number): T | undefined {
    if (this.changes) {
      const seq = this.changes.known(tenantId, since ?? performance.now());
      if (seq === undefined) return undefined;
      this.observe(tenantId, seq);
    }
    return this.held(`${tenantId}/${id}`, tenantId, id)?.value;
  }

  /**
   * The current value, or null when it does not exist. `since` (performance.now() ms): when the
   * request arrived; every change committed before then is seen (PostgreSQL). Defaults to now.
   */
  async get(tenantId: string, id: string, since?: number): Promise<T | null> {
    // Known without a read (pushed, change-sequence.ts) on a warm hit: no await at all.
    const known = this.peek(tenantId, id, since);
    if (known !== undefined) return known;
    if (this.changes) {
      const seq = await this.changes.current(tenantId, since ?? performance.now());
      if (seq !== null) this.observe(tenantId, seq);
    }
    const key = `${tenantId}/${id}`;
    return this.held(key, tenantId, id)?.value ?? this.refresh(key, tenantId, id, undefined);
  }

  /** The copy held for the key, if any. */
  private held(key: string, tenantId: string, id: string): Copy<T> | undefined {
    const copy = this.copies.get(key);
    // Without a sequence (embedded), past its window the copy is re-validated in the background,
    // once, while requests keep using it.
    if (copy && !this.changes && this.clock.now().getTime() - copy.checkedAt >= REVALIDATE_MS) void this.refresh(key, tenantId, id, copy).catch(() => undefined);
    return copy;
  }

  /** A sequence other than the one the tenant's copies were loaded under: they all go. */
  private observe(tenantId: string, seq: string) {
    const state = this.tenants.get(tenantId);
    if (state?.seq === seq) return;
    // Epochs are unique across tenants, so a state forgotten and made again never repeats one.
    this.lastEpoch += 1;
    if (!state) {
      if (this.tenants.size >= MAX_COPIES) this.tenants.clear();
      this.tenants.set(tenantId, { seq, epoch: this.lastEpoch });
    } else {
      state.seq = seq;
      state.epoch = this.lastEpoch;
    }
    this.drop(tenantId, () => true);
  }

  private epochOf(tenantId: string): number {
    return this.tenants.get(tenantId)?.epoch ?? 0;
  }

  private refresh(key: string, tenantId: string, id: string, copy: Copy<T> | undefined): Promise<T | null> {
    const running = this.checking.get(key);
    if (running) return running;
    const work = this.check(key, tenantId, id, copy).finally(() => {
      if (this.checking.get(key) === work) this.checking.delete(key);
    });
    this.checking.set(key, work);
    return work;
  }

  private async check(key: string, tenantId: string, id: string, copy: Copy<T> | undefined): Promise<T | null> {
    const now = this.clock.now().getTime();
    const epoch = this.epochOf(tenantId);
    try {
      if (copy) {
        const stamp = await this.source.stamp(tenantId, id);
        if (stamp && stamp.id === copy.stamp.id && stamp.version === copy.stamp.version && stamp.cacheGeneration === copy.stamp.cacheGeneration) {
          copy.checkedAt = now;
          return copy.value;
        }
      }
      const loaded = await this.source.load(tenantId, id);
      // A forget() or a newer sequence while this ran means the row may have changed under us: do
      // not put back what we read.
      if ((copy && this.copies.get(key) !== copy) || this.epochOf(tenantId) !== epoch) return loaded?.value ?? null;
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
    this.drop(tenantId, match);
  }

  private drop(tenantId: string, match: (value: T) => boolean) {
    const prefix = `${tenantId}/`;
    for (const [k, c] of this.copies) if (k.startsWith(prefix) && match(c.value)) this.copies.delete(k);
    // Loads already running are not joined any more: they may have read the row before the change.
    if (this.changes) for (const k of this.checking.keys()) if (k.startsWith(prefix)) this.checking.delete(k);
  }
}
