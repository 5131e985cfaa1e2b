/** Time as the companion sees it; tests hand in a fake one instead of sleeping. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Deleted configuration and uninstalled tenants are kept this long, then purged (DESIGN.md). */
export const RETENTION_DAYS = 30;
export const purgeDateFrom = (now: Date): Date => new Date(now.getTime() + RETENTION_DAYS * DAY_MS);
