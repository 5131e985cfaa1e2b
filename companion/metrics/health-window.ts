// A datasource's recent health, for the admin page: the last hour in twelve 5-minute slots of plain
// counters (upstream calls, errors, cache hits / misses / stale answers, a latency histogram). One
// typed array per datasource, written in place: recording allocates nothing.

export const SLOT_MS = 5 * 60 * 1000;
export const SLOTS = 12;
/** Upper bounds of the latency buckets, in ms (the last one catches everything slower). */
export const LATENCY_BOUNDS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 20000, Infinity] as const;

const CALLS = 0;
const ERRORS = 1;
const HITS = 2;
const MISSES = 3;
const STALE = 4;
const MAX_MS = 5;
const FIRST_BUCKET = 6;
const WIDTH = FIRST_BUCKET + LATENCY_BOUNDS_MS.length;

export type CacheOutcomeName = 'hit' | 'miss' | 'stale';

export interface HealthSlot {
  /** Start of the slot (ISO 8601). */
  start: string;
  calls: number;
  errors: number;
  hits: number;
  misses: number;
  stale: number;
}

export interface HealthSummary {
  calls: number;
  errors: number;
  /** 95th percentile of upstream call time (ms) over the window, interpolated within its bucket; null without calls. */
  p95Ms: number | null;
  hits: number;
  misses: number;
  stale: number;
  /** Fresh answers from the cache among all cached lookups (hit, miss or stale); null without lookups. */
  hitRatio: number | null;
  slots: HealthSlot[];
}

export class HealthWindow {
  private readonly cells = new Float64Array(SLOTS * WIDTH);
  /** Which slot number (time / SLOT_MS) each ring position holds now. */
  private readonly slotOf = new Float64Array(SLOTS).fill(-1);

  constructor(private readonly now: () => number) {}

  /** The ring offset for the current slot, cleared first if it still held an older one. */
  private current(): number {
    const slot = Math.floor(this.now() / SLOT_MS);
    const at = slot % SLOTS;
    if (this.slotOf[at] !== slot) {
      this.slotOf[at] = slot;
      this.cells.fill(0, at * WIDTH, (at + 1) * WIDTH);
    }
    return at * WIDTH;
  }

  call(ms: number, failed: boolean): void {
    const base = this.current();
    this.cells[base + CALLS]! += 1;
    if (failed) this.cells[base + ERRORS]! += 1;
    if (ms > this.cells[base + MAX_MS]!) this.cells[base + MAX_MS] = ms;
    let b = 0;
    while (ms > LATENCY_BOUNDS_MS[b]!) b += 1;
    this.cells[base + FIRST_BUCKET + b]! += 1;
  }

  cache(outcome: CacheOutcomeName): void {
    const base = this.current();
    this.cells[base + (outcome === 'hit' ? HITS : outcome === 'miss' ? MISSES : STALE)]! += 1;
  }

  summary(): HealthSummary {
    const newest = Math.floor(this.now() / SLOT_MS);
    const buckets = new Array<number>(LATENCY_BOUNDS_MS.length).fill(0);
    const total = { calls: 0, errors: 0, hits: 0, misses: 0, stale: 0, maxMs: 0 };
    const slots: HealthSlot[] = [];
    for (let slot = newest - SLOTS + 1; slot <= newest; slot += 1) {
      const at = slot % SLOTS;
      const live = this.slotOf[at] === slot;
      const cell = (i: number) => (live ? this.cells[at * WIDTH + i]! : 0);
      const s = { start: new Date(slot * SLOT_MS).toISOString(), calls: cell(CALLS), errors: cell(ERRORS), hits: cell(HITS), misses: cell(MISSES), stale: cell(STALE) };
      slots.push(s);
      total.calls += s.calls;
      total.errors += s.errors;
      total.hits += s.hits;
      total.misses += s.misses;
      total.stale += s.stale;
      total.maxMs = Math.max(total.maxMs, cell(MAX_MS));
      for (let b = 0; b < buckets.length; b += 1) buckets[b]! += cell(FIRST_BUCKET + b);
    }
    const lookups = total.hits + total.misses + total.stale;
    return {
      calls: total.calls,
      errors: total.errors,
      p95Ms: total.calls === 0 ? null : quantile(buckets, 0.95, total.maxMs),
      hits: total.hits,
      misses: total.misses,
      stale: total.stale,
      hitRatio: lookups === 0 ? null : total.hits / lookups,
      slots,
    };
  }
}

/** Like Prometheus' histogram_quantile: linear within the bucket, never above the slowest call seen. */
export function quantile(buckets: readonly number[], q: number, maxMs: number): number {
  const count = buckets.reduce((a, b) => a + b, 0);
  const rank = q * count;
  let seen = 0;
  for (let b = 0; b < buckets.length; b += 1) {
    const inBucket = buckets[b]!;
    if (seen + inBucket >= rank && inBucket > 0) {
      const lower = b === 0 ? 0 : LATENCY_BOUNDS_MS[b - 1]!;
      const upper = Math.min(LATENCY_BOUNDS_MS[b]!, maxMs);
      const value = lower + (Math.max(upper, lower) - lower) * ((rank - seen) / inBucket);
      return Math.round(Math.min(value, maxMs) * 10) / 10;
    }
    seen += inBucket;
  }
  return maxMs;
}
