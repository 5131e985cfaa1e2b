// The options cache: a small in-process layer in front of the shared one in Postgres (CacheEntry),
// both honouring the same expiry, with single flight and stale serving.
//
// - hit: the in-process layer, else Postgres, has an entry that has not expired (clock-based, so
//   tests advance a FakeClock instead of sleeping). An in-process hit costs no database round trip.
// - miss: one upstream call per key at a time in this process (single flight: concurrent identical
//   misses wait for the same promise), and on PostgreSQL one between all instances: the instance
//   that takes the key's fill lease (CacheFill) calls the upstream, the others poll for the entry
//   it writes and answer it as a hit. A waiter gives up after half of what is left of its request's
//   deadline, or as soon as no lease is running any more without an entry (the filler failed or
//   crashed), and calls the upstream itself. Only a successful answer is stored.
// - stale: the upstream failed (5xx: 502/504) and an entry younger than `staleUntil` (24 h) exists,
//   unless the answer is one user's and the upstream refused that user (then their copy is dropped).
// - one instance (the embedded database, which only this process opens): the store holds what this
//   process wrote and what was there when it first needed to know, so a miss on a key in neither goes
//   to the upstream without reading the store first (the keys, not the entries, are held; bounded).
// - one instance on PostgreSQL, for now (its change listener is caught up and has heard of no other
//   instance: change-sequence.ts `settlesAlone`): a miss on a key in neither sends its request at
//   once, and takes the fill lease only if the request is still out 5 ms later (so that an instance
//   starting meanwhile waits for this fill). Each instance heard of makes it read the stored keys
//   again. Both ask the upstream only if the other started in the instant before this one heard of
//   it (the listener's FRESH_MS) or its listener is down; a lone fill that finds such an instance's
//   lease (its lease statement, or the entry's write, says) takes the lease first again for a while
//   (docs/SCALING.md).
// Invalidation is by key: datasource and config generations are part of every key, and the
// entries of a changed datasource or config are also dropped from both layers to free space.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/prisma.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { isDatabaseUnavailable } from '../db/database-errors.js';
import { MAX_DEADLINE_MS, type Deadline } from '../deadline.js';
import { cacheRepository, type StoredEntry } from './cache-repository.js';

export const STALE_WINDOW_MS = 24 * 60 * 60 * 1000;
const MAX_MEMORY_ENTRIES = 5_000;
const SWEEP_EVERY_MS = 60 * 60 * 1000;
/** Polling for another instance's fill: first after FIRST_POLL_MS, doubling up to MAX_POLL_MS. */
const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 200;
/** A lease outlives its filler's longest upstream call by this much, then another may take over. */
const LEASE_MARGIN_MS = 1_000;
/**
 * A lone miss that found another instance's lease (one not heard of: it had just started, or its
 * listener is down) makes misses take the lease first again for this long.
 */
const NOT_ALONE_FOR_MS = 10_000;
/** A lone fill takes the key's lease if its request is still out after this long (lateLease). */
const LONE_LEASE_AFTER_MS = 5;
const NOT_TAKEN = Promise.resolve(false);
/** At most this many stored keys are held (about 150 bytes each); past it, every miss reads the store. */
const MAX_KNOWN_KEYS = 100_000;

export type CacheOutcome = 'hit' | 'miss' | 'stale';

interface MemoryEntry<T> {
  tenantId: string;
  datasourceId: string;
  configId: string;
  payload: T;
  expiresAt: number;
  staleUntil: number;
}

export interface ResolveArgs<T> {
  tenantId: string;
  keyHash: string;
  datasourceId: string;
  configId: string;
  ttlSeconds: number;
  /** The request's deadline: bounds the wait for another instance's fill (default MAX_DEADLINE_MS). */
  deadline?: Deadline | undefined;
  fetch: () => Promise<T>;
  /**
   * `fetch` in two steps (optional): what comes before anything is sent, done while the lease
   * statement is on its way to the database, and a function that sends it. Only ever sent once the
   * lease says this instance is the one to call the upstream.
   */
  prepare?: (() => () => Promise<T>) | undefined;
  /**
   * Set when the answer is one user's (fetched under their token): true for an error that says the
   * upstream refused that user. Their copy of the key, fresh or stale, is then dropped from both
   * layers and not served: the user may no longer see it.
   */
  refusesCaller?: ((error: unknown) => boolean) | undefined;
}

/** What an instance knows of the others on its database (cache/change-sequence.ts). */
export interface Presence {
  /** No other instance is live, as far as this one can vouch now (its listener is caught up and knows every instance). */
  settlesAlone(): boolean;
  /** Changes whenever another instance may have written entries this one has not seen. */
  peerEpoch(): number;
}

export interface OptionsCacheOptions {
  /** Other instances share the database (PostgreSQL): misses are filled once between them. */
  shared: boolean;
  /**
   * Shared: who else is on the database. While no other instance is, a miss on a key the store
   * cannot hold sends its request at once, and takes the key's fill lease only if the request is
   * still out a moment later (lookupOrFetch, lateLease).
   */
  presence?: Presence | undefined;
  /** How many stored keys are held at most (default MAX_KNOWN_KEYS). */
  maxKnownKeys?: number;
}

type Resolved<T> = { payload: T; cache: CacheOutcome };
/** The stored entry and the fill lease, read and taken in one statement (readOrTakeFill). */
type Leasing = { entry: StoredEntry | null; leased: boolean | null; contended: boolean };
/** The most recent entry seen for a key, fresh or not (what a failing upstream may be answered with). */
interface Seen<T> {
  last: MemoryEntry<T> | undefined;
}

/** The request to the upstream made ready to send (`prepare`), or `fetch`; what preparing throws is thrown when it is sent. */
function readied<T>(args: ResolveArgs<T>): () => Promise<T> {
  if (!args.prepare) return args.fetch;
  try {
    return args.prepare();
  } catch (error) {
    return () => Promise.reject(error);
  }
}

/** Failures of the upstream (not of the caller's configuration) may be answered with stale data. */
const upstreamFailure = (error: unknown) => error instanceof AppError && error.statusCode >= 500;

export class OptionsCache<T> {
  private readonly memory = new Map<string, MemoryEntry<T>>();
  private readonly inFlight = new Map<string, Promise<{ payload: T; cache: CacheOutcome }>>();
  private readonly writes = new Set<Promise<unknown>>();
  private readonly repo;
  private readonly maxKnownKeys: number;
  private lastSweep = 0;
  /**
   * The keys the store may hold an entry for, with the end of its stale window, as far as this
   * instance has seen it (the only one on its database): every write adds its key; the keys stored
   * before are added by one read, on the first miss that needs to know (`storedKeysLoad` settles
   * true once they are in), read again once another instance may have written (`presence`'s epoch).
   */
  private readonly storedKeys = new Map<string, number>();
  private storedKeysLoad: Promise<boolean> | undefined;
  private storedKeysEpoch = 0;
  /** performance.now() before which misses take the lease first, alone or not (NOT_ALONE_FOR_MS). */
  private leaseFirstUntil = -Infinity;
  /** More keys than held: every miss reads the store. */
  private storedKeysUnknown = false;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
    private readonly options: OptionsCacheOptions = { shared: false },
  ) {
    this.repo = cacheRepository(db);
    this.maxKnownKeys = options.maxKnownKeys ?? MAX_KNOWN_KEYS;
  }

  /** The in-process entry's payload while it has not expired: what resolve answers as a hit without a round trip. */
  peek(keyHash: string): T | undefined {
    const mem = this.memory.get(keyHash);
    return mem && this.clock.now().getTime() < mem.expiresAt ? mem.payload : undefined;
  }

  async resolve(args: ResolveArgs<T>): Promise<{ payload: T; cache: CacheOutcome }> {
    const mem = this.memory.get(args.keyHash);
    if (mem && this.clock.now().getTime() < mem.expiresAt) return { payload: mem.payload, cache: 'hit' };
    const running = this.inFlight.get(args.keyHash);
    if (running) return running;
    const work = this.lookupOrFetch(args, mem).finally(() => this.inFlight.delete(args.keyHash));
    this.inFlight.set(args.keyHash, work);
    return work;
  }

  private async lookupOrFetch(args: ResolveArgs<T>, mem: MemoryEntry<T> | undefined): Promise<Resolved<T>> {
    const seen: Seen<T> = { last: mem };
    if (!this.options.shared) return ((await this.mayBeStored(args.keyHash)) ? await this.sharedHit(args, seen) : null) ?? this.fill(args, seen, null);
    const holder = randomUUID();
    if (performance.now() >= this.leaseFirstUntil && this.options.presence?.settlesAlone() && !(await this.mayBeStored(args.keyHash))) {
      // No other instance to fill the key, nor an entry to read: the request goes now (and the
      // lease is taken if it is still out a moment later: lateLease).
      return this.fill(args, seen, holder, args.fetch, true);
    }
    // One round trip: the stored entry, and the fill lease unless that entry is fresh. The request to
    // the upstream is built meanwhile, not sent: once the statement is written (pg writes it on the
    // next tick), so that building it does not delay the statement.
    const leasing = this.readOrTakeFill(args, holder);
    const building = new Promise<() => Promise<T>>((resolve) => setImmediate(() => resolve(readied(args))));
    const first = await leasing;
    const send = await building;
    const stored = first.entry ? this.asHit(args, first.entry, seen) : null;
    if (stored) return stored;
    const leased = first.leased;
    if (leased === false) {
      const filled = await this.waitForFill(args, seen);
      if (filled) return filled;
      return this.fill(args, seen, null, send);
    }
    if (leased && first.contended) {
      // Another instance's lease was there: it may have filled and released the key since our read.
      const again = await this.sharedHit(args, seen).catch((error: unknown) => {
        this.release(args, holder);
        throw error;
      });
      if (again) {
        this.release(args, holder);
        return again;
      }
    }
    return this.fill(args, seen, leased ? holder : null, send);
  }

  /**
   * One instance: false when the store certainly holds no entry for the key (no write of it since
   * this process started or another instance was last heard of, and none among the keys stored
   * before); true when it may, or when that is not known (too many keys, or the store could not be
   * read: the read that follows says).
   */
  private async mayBeStored(keyHash: string): Promise<boolean> {
    if (this.storedKeysUnknown || this.storedKeys.has(keyHash)) return true;
    const epoch = this.options.presence?.peerEpoch() ?? 0;
    if (epoch !== this.storedKeysEpoch) {
      // Another instance may have written keys not seen here: read them (again).
      this.storedKeysEpoch = epoch;
      this.storedKeysLoad = undefined;
    }
    this.storedKeysLoad ??= this.loadStoredKeys();
    return !(await this.storedKeysLoad) || this.storedKeys.has(keyHash);
  }

  private async loadStoredKeys(): Promise<boolean> {
    try {
      const live = await this.repo.liveKeys(this.clock.now().getTime(), this.maxKnownKeys);
      if (live.size > this.maxKnownKeys) {
        this.forgetStoredKeys();
        return false;
      }
      for (const [keyHash, staleUntil] of live) this.noteStored(keyHash, staleUntil);
      return true;
    } catch (error) {
      // Not known, so this miss reads the store as before (which says what is wrong, if anything
      // still is); the keys are read again on a later miss.
      if (!isDatabaseUnavailable(error)) this.log.warn({ err: error }, 'options cache: the stored keys could not be read');
      this.storedKeysLoad = undefined;
      return false;
    }
  }

  private noteStored(keyHash: string, staleUntil: number) {
    if (this.storedKeysUnknown || (this.options.shared && !this.options.presence)) return;
    if ((this.storedKeys.get(keyHash) ?? 0) < staleUntil) this.storedKeys.set(keyHash, staleUntil);
    if (this.storedKeys.size > this.maxKnownKeys) this.forgetStoredKeys();
  }

  private forgetStoredKeys() {
    this.storedKeysUnknown = true;
    this.storedKeys.clear();
    this.log.info('options cache: more stored keys than held; every miss reads the store');
  }

  /** The shared entry as a hit when it has not expired; otherwise remembered in `seen` for stale use. */
  private async sharedHit(args: ResolveArgs<T>, seen: Seen<T>): Promise<Resolved<T> | null> {
    const stored = await this.readShared(args.tenantId, args.keyHash);
    return stored ? this.asHit(args, stored, seen) : null;
  }

  private asHit(args: ResolveArgs<T>, stored: StoredEntry, seen: Seen<T>): Resolved<T> | null {
    const entry = this.fromStored(args, stored);
    if (this.clock.now().getTime() < entry.expiresAt) {
      this.remember(args.keyHash, entry);
      return { payload: entry.payload, cache: 'hit' };
    }
    if (!seen.last || entry.staleUntil > seen.last.staleUntil) seen.last = entry;
    return null;
  }

  private fromStored(args: ResolveArgs<T>, stored: StoredEntry): MemoryEntry<T> {
    return {
      tenantId: args.tenantId,
      datasourceId: args.datasourceId,
      configId: args.configId,
      payload: stored.payload as T,
      expiresAt: stored.expiresAt.getTime(),
      staleUntil: stored.staleUntil.getTime(),
    };
  }

  /**
   * true: this instance holds the key's fill lease; false: another one does; null: the database
   * cannot be reached (then nobody coordinates and this instance calls the upstream itself).
   */
  private async readOrTakeFill(args: ResolveArgs<T>, holder: string): Promise<Leasing> {
    const leaseMs = (args.deadline?.remainingMs() ?? MAX_DEADLINE_MS) + LEASE_MARGIN_MS;
    try {
      return await this.repo.getOrTakeFill(args.tenantId, args.keyHash, holder, leaseMs, this.clock.now().getTime());
    } catch (error) {
      // The shared layer is an optimisation: with the database down the upstream still answers.
      if (!isDatabaseUnavailable(error)) throw error;
      this.log.warn('database unavailable: options cache read skipped');
      return { entry: null, leased: null, contended: false };
    }
  }

  /**
   * Another instance is calling the upstream for this key: wait for its entry, for at most half of
   * what is left of the request's deadline (the other half is for calling the upstream ourselves).
   * Each poll reads the lease first, then the entry: the filler writes the entry before it releases
   * the lease, so "no lease and no entry" means it failed or crashed, and waiting longer is useless.
   */
  private async waitForFill(args: ResolveArgs<T>, seen: Seen<T>): Promise<Resolved<T> | null> {
    this.log.debug({ datasourceId: args.datasourceId }, 'options cache: another instance is filling this miss, waiting for its entry');
    const until = performance.now() + (args.deadline?.remainingMs() ?? MAX_DEADLINE_MS) / 2;
    let delay = FIRST_POLL_MS;
    for (;;) {
      const left = until - performance.now();
      if (left <= 0) return null;
      await sleep(Math.min(delay, left));
      delay = Math.min(delay * 2, MAX_POLL_MS);
      let running: boolean;
      try {
        running = await this.repo.fillRunning(args.tenantId, args.keyHash);
      } catch (error) {
        if (!isDatabaseUnavailable(error)) throw error;
        return null;
      }
      const filled = await this.sharedHit(args, seen);
      if (filled) return filled;
      if (!running) return null;
    }
  }

  /**
   * Asks the upstream (through `send`, `args.fetch` unless given); `holder`: the fill lease this
   * instance holds, released once the entry is written; or, `lone`, the one it takes if the
   * request is still out a moment later (lateLease).
   */
  private async fill(args: ResolveArgs<T>, seen: Seen<T>, holder: string | null, send: () => Promise<T> = args.fetch, lone = false): Promise<Resolved<T>> {
    const last = seen.last;
    const late = lone && holder ? this.lateLease(args, holder) : undefined;
    let payload: T;
    try {
      payload = await send();
    } catch (error) {
      const lease = late?.stop();
      if (holder) this.release(args, holder, lease);
      if (args.refusesCaller?.(error)) {
        await this.forget(args);
        throw error;
      }
      if (upstreamFailure(error) && last && this.clock.now().getTime() < last.staleUntil) {
        this.log.warn({ code: (error as AppError).code, datasourceId: args.datasourceId }, 'upstream failed: serving stale options');
        return { payload: last.payload, cache: 'stale' };
      }
      throw error;
    }
    const now = this.clock.now().getTime();
    const entry: MemoryEntry<T> = {
      tenantId: args.tenantId,
      datasourceId: args.datasourceId,
      configId: args.configId,
      payload,
      expiresAt: now + args.ttlSeconds * 1000,
      staleUntil: now + Math.max(STALE_WINDOW_MS, args.ttlSeconds * 1000),
    };
    const lease = late?.stop();
    this.remember(args.keyHash, entry);
    this.writeShared(args.keyHash, entry, holder, lease);
    return { payload, cache: 'miss' };
  }

  /**
   * A lone fill's lease, taken only if its request is still out after LONE_LEASE_AFTER_MS: an
   * instance that starts meanwhile then waits for this fill. Not sooner: on a small machine the
   * statement, sent beside the request, slowed the upstream's answer more than the lease cost
   * before it. `stop()` (once the request is answered) cancels it if not taken, and says whether
   * this instance holds it.
   */
  private lateLease(args: ResolveArgs<T>, holder: string): { stop: () => Promise<boolean> } {
    let taking: Promise<boolean> | undefined;
    const timer = setTimeout(() => {
      taking = this.readOrTakeFill(args, holder).then(
        (first) => {
          if (first.leased === false) this.notAlone(args);
          return first.leased === true;
        },
        (error: unknown) => {
          this.log.warn({ err: error }, 'options cache fill lease failed');
          return false;
        },
      );
    }, LONE_LEASE_AFTER_MS);
    return {
      stop: () => {
        clearTimeout(timer);
        return taking ?? NOT_TAKEN;
      },
    };
  }

  /**
   * A lone fill found another instance filling the same key: one this instance has not heard of
   * (it had just started, or its listener is down), so both asked the upstream. Misses here take
   * the lease first for a while.
   */
  private notAlone(args: { datasourceId: string }) {
    this.leaseFirstUntil = performance.now() + NOT_ALONE_FOR_MS;
    this.log.info({ datasourceId: args.datasourceId }, 'options cache: another instance, not heard of, was filling the same key: misses take the lease first for a while');
  }

  /** Drops one key from both layers (awaited: the next request must not find the shared copy). */
  private async forget(args: { tenantId: string; keyHash: string; datasourceId: string }) {
    this.memory.delete(args.keyHash);
    await this.repo.deleteKey(args.tenantId, args.keyHash).catch((error: unknown) => {
      this.log.warn({ err: isDatabaseUnavailable(error) ? undefined : error, datasourceId: args.datasourceId }, 'options cache: a refused user\'s entry could not be dropped');
    });
  }

  /** Not awaited by the request; once `lease` is taken, when it is being taken. */
  private release(key: { tenantId: string; keyHash: string }, holder: string, lease?: Promise<boolean>) {
    this.track(lease ? lease.then((held) => (held ? this.releasing(key, holder) : undefined)) : this.releasing(key, holder));
  }

  private releasing(key: { tenantId: string; keyHash: string }, holder: string): Promise<unknown> {
    return this.repo
      .releaseFill(key.tenantId, key.keyHash, holder)
      .catch((error: unknown) => this.log.warn({ err: isDatabaseUnavailable(error) ? undefined : error }, 'options cache fill lease release failed'));
  }

  private track(work: Promise<unknown>) {
    const tracked = work.finally(() => this.writes.delete(tracked));
    this.writes.add(tracked);
  }

  private async readShared(tenantId: string, keyHash: string) {
    try {
      return await this.repo.get(tenantId, keyHash);
    } catch (error) {
      // The shared layer is an optimisation: with the database down the upstream still answers.
      if (!isDatabaseUnavailable(error)) throw error;
      this.log.warn('database unavailable: options cache read skipped');
      return null;
    }
  }

  /**
   * Not awaited by the request: the answer does not depend on it. `settled()` waits for them. The
   * fill lease (if any) is released by the statement that writes the entry, so waiters always find
   * the entry once the lease is gone; when that statement fails, the lease is released on its own.
   * Started on the next turn of the event loop, once the answer has been written: serializing the
   * payload and sending the statement otherwise ran before it (about 1 ms of a cold miss).
   */
  private writeShared(keyHash: string, e: MemoryEntry<T>, taken: string | null, lease?: Promise<boolean>) {
    this.noteStored(keyHash, e.staleUntil);
    let holder = taken;
    this.track(
      new Promise<void>((resolve) => setImmediate(resolve))
        .then(async () => {
          if (lease && !(await lease)) holder = null;
          const { others } = await this.repo.put(
            e.tenantId,
            keyHash,
            {
              datasourceId: e.datasourceId,
              fieldId: e.configId,
              payload: e.payload,
              expiresAt: new Date(e.expiresAt),
              staleUntil: new Date(e.staleUntil),
            },
            holder,
          );
          // A lone fill (`lease` given) that finds another's lease on the key: see notAlone.
          if (lease && others) this.notAlone(e);
        })
        .catch((error: unknown) => {
          this.log.warn({ err: isDatabaseUnavailable(error) ? undefined : error }, 'options cache write failed');
          return holder ? this.releasing({ tenantId: e.tenantId, keyHash }, holder) : undefined;
        }),
    );
    this.sweep();
  }

  /**
   * Entries past their stale window serve no one: dropped at most once an hour, by whichever
   * instance writes first (cheap: `staleUntil` is indexed).
   */
  private sweep() {
    const now = this.clock.now().getTime();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    this.track(
      Promise.all([this.repo.deleteDead(new Date(now)), this.options.shared ? this.repo.deleteDeadFills() : undefined]).catch((error: unknown) =>
        this.log.warn({ err: isDatabaseUnavailable(error) ? undefined : error }, 'options cache sweep failed'),
      ),
    );
    for (const [k, e] of this.memory) if (e.staleUntil <= now) this.memory.delete(k);
    for (const [k, staleUntil] of this.storedKeys) if (staleUntil <= now) this.storedKeys.delete(k);
  }

  private remember(keyHash: string, entry: MemoryEntry<T>) {
    // Map keeps insertion order: re-inserting moves an entry to the end, so the first key is the
    // least recently stored one and goes first when the layer is full.
    this.memory.delete(keyHash);
    if (this.memory.size >= MAX_MEMORY_ENTRIES) this.memory.delete(this.memory.keys().next().value!);
    this.memory.set(keyHash, entry);
  }

  /** Waits for pending shared-layer writes (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.writes]);
  }

  forgetDatasource(tenantId: string, datasourceId: string) {
    for (const [k, e] of this.memory) if (e.tenantId === tenantId && e.datasourceId === datasourceId) this.memory.delete(k);
  }

  forgetConfig(tenantId: string, configId: string) {
    for (const [k, e] of this.memory) if (e.tenantId === tenantId && e.configId === configId) this.memory.delete(k);
  }

  /** Drops the shared entries of a changed field or item (its new generation already misses them). */
  async dropConfig(tenantId: string, configId: string) {
    this.forgetConfig(tenantId, configId);
    await this.repo.deleteForConfig(tenantId, configId);
  }

  /** Cache clear: new generation (other instances' keys change too) and no entry left behind. */
  async clearDatasource(tenantId: string, datasourceId: string): Promise<{ cleared: number; cacheGeneration: number } | null> {
    const generation = await this.repo.bumpDatasourceGeneration(tenantId, datasourceId);
    if (generation === null) return null;
    await this.settled();
    const { count } = await this.repo.deleteForDatasource(tenantId, datasourceId);
    this.forgetDatasource(tenantId, datasourceId);
    return { cleared: count, cacheGeneration: generation };
  }
}
