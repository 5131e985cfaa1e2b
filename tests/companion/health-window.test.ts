// The admin page's health numbers: a rolling hour of 5-minute slots and a p95 read from buckets.
import { describe, expect, it } from 'vitest';
import { HealthWindow, LATENCY_BOUNDS_MS, SLOT_MS, quantile } from '../../companion/metrics/health-window.js';

describe('datasource health window', () => {
  it('keeps the last hour in twelve slots and forgets what is older', () => {
    let now = Date.UTC(2026, 11, 1, 10, 0, 0);
    const w = new HealthWindow(() => now);
    w.call(20, false);
    w.cache('hit');
    now += 30 * 60_000;
    w.call(40, true);
    w.cache('miss');
    w.cache('stale');
    let s = w.summary();
    expect(s).toMatchObject({ calls: 2, errors: 1, hits: 1, misses: 1, stale: 1, hitRatio: 1 / 3 });
    expect(s.slots).toHaveLength(12);
    expect(s.slots.at(-1)).toEqual({ start: new Date(Math.floor(now / SLOT_MS) * SLOT_MS).toISOString(), calls: 1, errors: 1, hits: 0, misses: 1, stale: 1 });
    now += 31 * 60_000; // the first call is now over an hour old
    s = w.summary();
    expect(s).toMatchObject({ calls: 1, errors: 1, hits: 0 });
    now += 2 * 3600_000; // a slot reused two hours later starts from zero
    w.call(5, false);
    expect(w.summary()).toMatchObject({ calls: 1, errors: 0, misses: 0, p95Ms: 4.8 });
  });

  it('reads the 95th percentile from the buckets, never above the slowest call', () => {
    const buckets = LATENCY_BOUNDS_MS.map(() => 0);
    buckets[2] = 95; // 10–25 ms
    buckets[5] = 5; // 100–250 ms
    expect(quantile(buckets, 0.95, 240)).toBe(25);
    expect(quantile(buckets, 0.96, 240)).toBe(128); // a fifth into 100–240 (the slowest call caps the bucket)
    expect(quantile(buckets, 1, 120)).toBe(120);
    const slow = LATENCY_BOUNDS_MS.map(() => 0);
    slow[LATENCY_BOUNDS_MS.length - 1] = 1; // beyond the last bound
    expect(quantile(slow, 0.95, 31_000)).toBe(30_450); // between the last bound (20 s) and the slowest call
  });

  it('has no p95 or hit ratio before anything happened', () => {
    expect(new HealthWindow(() => 0).summary()).toMatchObject({ calls: 0, p95Ms: null, hitRatio: null });
  });
});
