// `$currentUser.displayName`, `.emailAddress`, `.locale`, `.timeZone` (Elements Connect's current
// user attributes): read from the tenant's Jira (`GET /rest/api/3/myself`) with the user's own
// token, only when a query names one of them. Compute egress (DESIGN.md): used for the computation
// at hand, kept in process memory for a minute so that a user typing into an autocomplete does not
// cost a Jira call per keystroke, stored nowhere else. The memo is keyed by a hash of Jira's address
// and the token, never the token; a token is one user's, so an entry can only serve that user.
import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { AppError } from '../errors.js';
import { exchange } from './http-exchange.js';
import { TENANT_JIRA } from './upstream-errors.js';
import type { CallerContext, CurrentUserVariables } from './query-pipeline-types.js';

export const PROFILE_TTL_MS = 60_000;
const MAX_ENTRIES = 5_000;
const WHAT = "the current user's Jira profile";

const unavailable = (why: string, cause?: unknown) =>
  new AppError(422, 'current_user_unavailable', `The query uses $currentUser beyond accountId, but ${WHAT} cannot be read: ${why}`, { cause });

const text = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function currentUserReader(agent: Dispatcher, now: () => number) {
  const memo = new Map<string, { until: number; profile: CurrentUserVariables }>();
  let lastSweep = 0;

  async function fetchProfile(caller: CallerContext, token: string): Promise<CurrentUserVariables> {
    const url = new URL(`${caller.apiBaseUrl!.replace(/\/+$/, '')}/rest/api/3/myself`);
    let answer;
    try {
      answer = await exchange(agent, {
        url,
        method: 'GET',
        headers: { accept: 'application/json', authorization: `Bearer ${token}` },
        timeoutMs: 10_000,
        datasourceName: TENANT_JIRA,
        deadline: caller.deadline,
      });
    } catch (err) {
      // Out of time stays a timeout (504): the request's deadline governs it like any upstream step.
      if (err instanceof AppError && err.statusCode === 504) throw err;
      throw unavailable('Jira could not be reached', err);
    }
    if (answer.status < 200 || answer.status >= 300) throw unavailable(`Jira answered HTTP ${answer.status}`);
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
    } catch (err) {
      throw unavailable('Jira answered with something that is not JSON', err);
    }
    return {
      accountId: text(json.accountId),
      displayName: text(json.displayName),
      // Jira leaves it out when the user's profile visibility hides it from the app.
      emailAddress: text(json.emailAddress),
      locale: text(json.locale),
      timeZone: text(json.timeZone),
    };
  }

  return async function currentUser(caller: CallerContext): Promise<CurrentUserVariables> {
    const token = caller.forgeTokens.user;
    // Never the app's own token: /myself would answer with the app's user, not the person.
    if (!token) throw unavailable("Forge sent no user token (x-forge-oauth-user); it does so when the app calls the companion as the user");
    if (!caller.apiBaseUrl) throw unavailable('the request carries no Jira API base URL');
    const key = createHash('sha256').update(caller.apiBaseUrl).update('\0').update(token).digest('hex');
    const at = now();
    // Profiles do not outlive their minute: expired entries are dropped as soon as anyone asks.
    if (at - lastSweep >= PROFILE_TTL_MS / 4) {
      lastSweep = at;
      for (const [k, e] of memo) if (e.until <= at) memo.delete(k);
    }
    let entry = memo.get(key);
    if (!entry || entry.until <= at) {
      memo.delete(key);
      entry = { until: at + PROFILE_TTL_MS, profile: await fetchProfile(caller, token) };
      // Bounded: at the limit the oldest entries go first (a Map keeps insertion order).
      for (const k of memo.keys()) {
        if (memo.size < MAX_ENTRIES) break;
        memo.delete(k);
      }
      memo.set(key, entry);
    }
    const { profile } = entry;
    // The token must be the token of the user the request is for: a profile of someone else never
    // fills in this user's query.
    if (caller.accountId && profile.accountId !== caller.accountId) throw unavailable('the user token belongs to another user than the caller');
    return { ...profile, accountId: caller.accountId ?? profile.accountId };
  };
}
