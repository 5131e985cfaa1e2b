// The options cache: a small in-process layer in front of the shared one in Postgres (CacheEntry),
// both honouring the same expiry, with single flight and stale serving.
//
// - hit: the in-process layer, else Postgres, has an entry that has not expired (clock-based, so
//   tests advance a FakeClock instead of sleeping). An in-process hit costs no database round trip.
// - miss: one upstream call per key at a time in this process (single flight: concurrent identical
//   misses wait for the same promise); only a successful answer is stored.
// - stale: the upstream failed (5xx: 502/504) and an entry younger than `staleUntil` (24 h) exists.
// Invalidation is by key: datasource and config generations are part of every key, and the
// entries of a changed datasource or config are also dropped from both layers to free space.
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/prisma.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import { isDatabaseUnavailable } from '../db/database-errors.js';
import { cacheRepository } from './cache-repository.js';

export const STALE_WINDOW_MS = 24 * 60 * 60 * 1000;
const MAX_MEMORY_ENTRIES = 5_000;
const SWEEP_EVERY_MS = 60 * 60 * 1000;

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
  fetch: () => Promise<T>;
}

/** Failures of the upstream (not of the caller's configuration) may be answered with stale data. */
const upstreamFailure = (error: unknown) => error instanceof AppError && error.statusCode >= 500;

export class OptionsCache<T> {
  private readonly memory = new Map<string, MemoryEntry<T>>();
  private readonly inFlight = new Map<string, Promise<{ payload: T; cache: CacheOutcome }>>();
  private readonly writes = new Set<Promise<unknown>>();
  private readonly repo;
  private lastSweep = 0;

  constructor(
    db: Db,
    private readonly clock: Clock,
    private readonly log: FastifyBaseLogger,
  ) {
    this.repo = cacheRepository(db);
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

  private async lookupOrFetch(args: ResolveArgs<T>, mem: MemoryEntry<T> | undefined): Promise<{ payload: T; cache: CacheOutcome }> {
    let last = mem;
    const stored = await this.readShared(args.tenantId, args.keyHash);
    if (stored) {
      const entry: MemoryEntry<T> = {
        tenantId: args.tenantId,
        datasourceId: args.datasourceId,
        configId: args.configId,
        payload: stored.payload as T,
        expiresAt: stored.expiresAt.getTime(),
        staleUntil: stored.staleUntil.getTime(),
      };
      if (this.clock.now().getTime() < entry.expiresAt) {
        this.remember(args.keyHash, entry);
        return { payload: entry.payload, cache: 'hit' };
      }
      if (!last || entry.staleUntil > last.staleUntil) last = entry;
    }
    let payload: T;
    try {
      payload = await args.fetch();
    } catch (error) {
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
    this.remember(args.keyHash, entry);
    this.writeShared(args.keyHash, entry);
    return { payload, cache: 'miss' };
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
   * Not awaited by the request: the answer does not depend on it. `settled()` waits for them.
   * Started on the next turn of the event loop, once the answer has been written: serializing the
   * payload and sending the statement otherwise ran before it (about 1 ms of a cold miss).
   */
  private writeShared(keyHash: string, e: MemoryEntry<T>) {
    const write = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() =>
        this.repo.put(e.tenantId, keyHash, {
          datasourceId: e.datasourceId,
          fieldId: e.configId,
          payload: e.payload,
          expiresAt: new Date(e.expiresAt),
          staleUntil: new Date(e.staleUntil),
        }),
      )
      .catch((error: unknown) => this.log.warn({ err: isDatabaseUnavailable(error) ? undefined : error }, 'options cache write failed'))
      .finally(() => this.writes.delete(write));
    this.writes.add(write);
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
    const sweep = this.repo
      .deleteDead(new Date(now))
      .catch((error: unknown) => this.log.warn({ err: isDatabaseUnavailable(error) ? undefined : error }, 'options cache sweep failed'))
      .finally(() => this.writes.delete(sweep));
    this.writes.add(sweep);
    for (const [k, e] of this.memory) if (e.staleUntil <= now) this.memory.delete(k);
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
