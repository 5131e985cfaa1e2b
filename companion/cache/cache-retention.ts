// How long an options-cache entry may exist at all, as the egress report states it and the purge
// enforces it: fresh for its TTL (at most a day), then a stale copy for what is left of the stale
// window (served only while the datasource fails), both counted from when it was fetched.
import { STALE_WINDOW_MS } from './options-cache.js';

/** The largest TTL a datasource, field or item may set (the contract's 86,400 s). */
export const MAX_CACHE_TTL_SECONDS = 86_400;

/** An entry's `staleUntil` is never later than this after it was fetched. */
export const CACHE_RETENTION_MS = Math.max(STALE_WINDOW_MS, MAX_CACHE_TTL_SECONDS * 1000);

export const CACHE_RETENTION_TEXT =
  `fresh for its TTL (datasource default 300 s, a field or item may override up to ${MAX_CACHE_TTL_SECONDS / 3600} h, 0 = off); ` +
  `then kept as a stale copy, served only while the datasource fails, until ${CACHE_RETENTION_MS / 3_600_000} h after it was fetched; ` +
  'deleted by the next purge run after that, and with its datasource, field or item';
