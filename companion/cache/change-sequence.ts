// Each tenant's change sequence ("TenantChange", bumped by database triggers in the same transaction
// as every datasource or field change, cache clears included), known to a request before it trusts
// the in-process copies of that configuration: what another instance committed before the request
// arrived is seen by it, not by some later request. The embedded database (one process by
// construction) needs none of this: runtime-caches.ts does not create a sequence for it.
//
// Two ways of knowing it, the first one free on the hot path:
//
// PUSH. The triggers also `pg_notify('oc_change', '<tenantId>:<seq>')` (migration
// 20261201160000). One dedicated connection per instance LISTENs and applies each notification to
// the sequences it has seen, and runs a statement every PING_MS. PostgreSQL signals the listening
// sessions while the notifying transaction commits (before its client hears of the commit), and a
// session delivers the notifications it was signalled before the ReadyForQuery of the statement it
// runs; notifications arrive in commit order. So once a statement on the listener that STARTED
// after a commit has completed, that commit's notification has been applied. A request arriving at
// `since` trusts the pushed sequences only when such a statement started after since - TRUST_MS
// (and the instance has announced itself, below); otherwise (listener down, stalled, reconnecting,
// not started yet, tenant not read in this listening session) it takes the way below. Every
// listener statement checks it ran in the backend that LISTENs (a pooler in transaction mode would
// break all of this): if not, the listener gives up for a while and requests read.
//
// READ. The tenant's sequence as read by a query sent after the request arrived. The reads are
// coalesced the way a database groups commits: at most one read is in flight and at most one waits
// to start; a request joins the waiting one (it starts after the request arrived, so it sees every
// change committed before), or takes the result of a read that already started after its arrival.
//
// WRITERS. Push alone would leave a window: a request answered right after a commit could reach an
// instance whose last completed statement started before that commit. So a request that may have
// changed configuration (`settle`, from cache-invalidation-hooks.ts) does not answer until every
// other live instance has acknowledged a sync notification sent after its commit (they apply
// notifications in commit order, so the change first), or TRUST_MS has passed (then no instance
// still trusting its pushed state can have missed it: its last statement started after the commit).
// Instances know each other from heartbeats on the listener ("oc_peer") and, when a listener
// (re)connects, from pg_stat_activity (listener connections are named `oc-listen:<id>`); an
// instance only trusts its pushed state once its announcement is old enough that every writer's
// listener must have seen it. With no other instance, a writer waits for nothing. docs/SCALING.md
// walks through why each rule is needed.
import pg from 'pg';
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/prisma.js';
import { isDatabaseUnavailable } from '../db/database-errors.js';

/** While this instance cannot reach the database, copies are trusted for this long between tries. */
const UNAVAILABLE_BACKOFF_MS = 1_000;
/** How often the listener runs a statement (`SELECT 1`, or a heartbeat). */
export const PING_MS = 50;
/** Pushed state is trusted at `since` if a listener statement started after since - TRUST_MS completed; a writer waits at most this long. */
export const TRUST_MS = 250;
/** A writer's listener counts as caught up when its last completed statement started at most this long ago. */
const FRESH_MS = 100;
/** How often an instance announces itself on "oc_peer". */
const HEARTBEAT_MS = 1_000;
/** A peer not heard from for this long is no longer waited for. */
const PEER_EXPIRY_MS = 10_000;
/** Pushed state needs a heartbeat of this session started less than this long ago (half the expiry). */
const HEARTBEAT_TRUST_MS = PEER_EXPIRY_MS / 2;
const RECONNECT_MS = 1_000;
/** A listener whose statements ran in another backend (a pooler) tries again after this long. */
const MISPLACED_RETRY_MS = 60_000;
const MAX_TENANTS = 100_000;
const CLOSE_TIMEOUT_MS = 1_000;
const CHANGE_CHANNEL = 'oc_change';
const PEER_CHANNEL = 'oc_peer';
const APP_NAME_PREFIX = 'oc-listen:';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Observation {
  /** performance.now() when the read that gave `seq` (or an older one) was sent; -Infinity when only pushed. */
  startedAt: number;
  seq: string;
  /** The listening session under which `seq` is kept current by push; 0 for none. */
  session: number;
  /**
   * This instance changed the tenant at this time (performance.now()): pushed state is trusted again
   * only once a listener statement started at or after it has completed (the change is applied).
   */
  pushAfter: number;
}

interface Batch {
  tenants: Set<string>;
  done: Promise<void>;
}

interface Session {
  id: number;
  client: pg.Client;
  /** LISTEN has completed: every commit from now on is delivered to this session. */
  listening: boolean;
  /** When the pg_stat_activity read of the peers' listeners completed (undefined until then). */
  peersReadAt: number | undefined;
  /** Start of the latest-starting statement on this session that has completed. */
  lastStatementStart: number;
  /** The last completed heartbeats of this session (start and end), newest last. */
  heartbeats: Array<{ start: number; end: number }>;
  lastHeartbeatSent: number;
  busy: boolean;
  timer: NodeJS.Timeout | undefined;
  /** The backend that LISTENs (pg_backend_pid()). */
  pid: number | undefined;
}

interface Waiter {
  token: string;
  since: number;
  acked: Set<string>;
  synced: boolean;
  check(): void;
}

export type SequenceReader = (tenantIds: string[]) => Promise<Map<string, string>>;

export function readTenantChanges(db: Db): SequenceReader {
  return async (tenantIds) => {
    const rows = await db.$queryRaw<Array<{ tenantId: string; seq: string }>>`
      SELECT "tenantId"::text AS "tenantId", seq::text AS seq FROM "TenantChange" WHERE "tenantId" = ANY(${tenantIds}::uuid[])`;
    return new Map(rows.map((r) => [r.tenantId, r.seq]));
  };
}

const newer = (a: string, b: string) => BigInt(a) > BigInt(b);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)).unref());

export class ChangeSequence {
  private readonly seen = new Map<string, Observation>();
  private running: Promise<void> | null = null;
  private waiting: Batch | null = null;
  private unavailableUntil = 0;
  /** Reads sent so far (metrics, tests). */
  reads = 0;
  /** How writers' waits ended (metrics, tests): no other instance, all acknowledged, TRUST_MS passed. */
  readonly settles = { alone: 0, acknowledged: 0, timedOut: 0 };
  /** Total time writers waited in settle() (ms; metrics). */
  settleMs = 0;
  /** This instance's id on "oc_peer" and in its listener's application_name. */
  readonly instanceId = randomUUID();

  private url: string | undefined;
  private log: FastifyBaseLogger | undefined;
  private session: Session | undefined;
  private sessions = 0;
  private closed = false;
  private reconnect: NodeJS.Timeout | undefined;
  /** Other instances, by id, with when this one last heard of them. */
  private readonly peers = new Map<string, number>();
  /** Bumped by every listener session and every instance heard of that was not live (peerEpoch). */
  private arrivals = 0;
  private readonly waiters = new Set<Waiter>();
  /** When `seen` was last cleared (performance.now()). */
  private forgotAt = -Infinity;

  constructor(private readonly read: SequenceReader) {}

  /**
   * Starts the listener on `url` (the instance's database). Without it every request reads and
   * every writer waits TRUST_MS: other instances may be trusting their pushed state.
   */
  listen(url: string, log?: FastifyBaseLogger): void {
    if (this.url || this.closed) return;
    this.url = url;
    this.log = log;
    void this.connect();
  }

  /** Whether a request arriving at `since` may take pushed sequences without a read (tests, metrics). */
  pushTrusted(since: number = performance.now()): boolean {
    const s = this.session;
    if (!s?.listening || !(s.lastStatementStart > since - TRUST_MS)) return false;
    return s.heartbeats.some((h) => h.start > since - HEARTBEAT_TRUST_MS && h.end < since - TRUST_MS - FRESH_MS);
  }

  /** The tenant's sequence when it is known without a read for a request that arrived at `since`. */
  known(tenantId: string, since: number): string | undefined {
    const known = this.seen.get(tenantId);
    if (!known) return undefined;
    if (known.startedAt >= since) return known.seq;
    const s = this.session;
    if (known.session === 0 || known.session !== s?.id) return undefined;
    return s.lastStatementStart >= known.pushAfter && s.lastStatementStart >= this.forgotAt && this.pushTrusted(since) ? known.seq : undefined;
  }

  /**
   * The tenant's sequence as of `since` (performance.now() ms, normally the request's arrival): every
   * change committed before then is in it. Null when the database cannot be reached (the caller
   * keeps its copies).
   */
  async current(tenantId: string, since: number): Promise<string | null> {
    const known = this.known(tenantId, since);
    if (known !== undefined) return known;
    if (performance.now() < this.unavailableUntil) return null;
    let batch = this.waiting;
    if (!batch) {
      const tenants = new Set<string>();
      const after = this.running ?? Promise.resolve();
      batch = { tenants, done: after.then(() => this.send(batch!)) };
      this.waiting = batch;
    }
    batch.tenants.add(tenantId);
    await batch.done;
    const seen = this.seen.get(tenantId);
    return seen && seen.startedAt >= since ? seen.seq : null;
  }

  /**
   * Called by a request that may have changed the tenant's configuration, after its commit and
   * before it answers: resolves once no instance can serve a request arriving after the answer
   * from state that misses the change (see the header).
   */
  async settle(tenantId: string): Promise<void> {
    const t0 = performance.now();
    try {
      await this.settleNow(tenantId);
    } finally {
      this.settleMs += performance.now() - t0;
    }
  }

  private async settleNow(tenantId: string): Promise<void> {
    const since = performance.now();
    // This instance's own listener may not have applied the change yet (nor a read in flight seen
    // it): its pushed state for the tenant waits for a listener statement started from now on.
    const known = this.seen.get(tenantId);
    if (known) known.pushAfter = since;
    else this.remember(tenantId, { seq: '0', startedAt: -Infinity, session: 0, pushAfter: since });
    const deadline = since + TRUST_MS;
    const s = this.session;
    if (!s?.listening) {
      // (A timer may fire a little early.)
      while (performance.now() < deadline) await sleep(Math.ceil(deadline - performance.now()) + 1);
      this.settles.timedOut += 1;
      return;
    }
    if (this.settlesAlone(since)) {
      this.settles.alone += 1;
      return;
    }
    await new Promise<void>((resolve) => {
      const timers: NodeJS.Timeout[] = [];
      // A timer may fire a little before performance.now() reaches its time: checks re-arm.
      const at = (time: number) => {
        for (const t of timers.splice(0)) clearTimeout(t);
        const timer = setTimeout(() => waiter.check(), Math.max(1, Math.ceil(time - performance.now())));
        timer.unref();
        timers.push(timer);
      };
      const waiter: Waiter = {
        token: randomUUID(),
        since,
        acked: new Set(),
        synced: false,
        check: () => {
          const now = performance.now();
          const acknowledged = this.session === s && waiter.synced && this.peersComplete(s, now) && this.livePeers(now).every((id) => waiter.acked.has(id));
          if (!acknowledged && !this.closed && now < deadline) {
            at(s.peersReadAt !== undefined && s.peersReadAt + TRUST_MS > now && s.peersReadAt + TRUST_MS < deadline ? s.peersReadAt + TRUST_MS : deadline);
            return;
          }
          if (acknowledged) this.settles.acknowledged += 1;
          else this.settles.timedOut += 1;
          this.waiters.delete(waiter);
          for (const t of timers) clearTimeout(t);
          resolve();
        },
      };
      this.waiters.add(waiter);
      waiter.check();
      this.statement(s, `sync:${this.instanceId}:${waiter.token}`).then(
        () => {
          waiter.synced = true;
          waiter.check();
        },
        () => undefined,
      );
    });
  }

  /**
   * Whether a writer settling at `since` waits for nothing: its listener is caught up (a statement
   * started less than FRESH_MS ago has completed), knows every instance, and has heard of none.
   */
  settlesAlone(since: number = performance.now()): boolean {
    const s = this.session;
    return !!s?.listening && this.peersComplete(s, since) && s.lastStatementStart >= since - FRESH_MS && this.livePeers(since).length === 0;
  }

  /**
   * Changes whenever another instance may have written to the database unseen by this one since the
   * last value: at each listener session (while none listened, instances may have come and gone)
   * and each instance heard of that was not live. The options cache reads the stored keys again.
   */
  peerEpoch(): number {
    return this.arrivals;
  }

  /** Stops the listener (says goodbye to the other instances first); never hangs. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnect);
    for (const w of [...this.waiters]) w.check();
    const s = this.session;
    this.session = undefined;
    if (!s) return;
    clearInterval(s.timer);
    if (s.listening) await withTimeout(s.client.query('SELECT pg_notify($1, $2)', [PEER_CHANNEL, `bye:${this.instanceId}`]).catch(() => undefined), CLOSE_TIMEOUT_MS);
    await endClient(s.client);
  }

  // ---- reads ----------------------------------------------------------------------------------

  private send(batch: Batch): Promise<void> {
    if (this.waiting === batch) this.waiting = null;
    const startedAt = performance.now();
    // A read sent after LISTEN completed, and later pushes, keep the value current in this session.
    const session = this.session?.listening ? this.session.id : 0;
    this.reads += 1;
    const ids = [...batch.tenants];
    const work = this.read(ids).then(
      (seqs) => {
        // A tenant that never changed has no row yet: sequence 0.
        for (const id of ids) this.observe(id, seqs.get(id) ?? '0', startedAt, session);
      },
      (error: unknown) => {
        if (!isDatabaseUnavailable(error)) throw error;
        this.unavailableUntil = performance.now() + UNAVAILABLE_BACKOFF_MS;
      },
    );
    const settled = work.catch(() => undefined).finally(() => {
      if (this.running === settled) this.running = null;
    });
    this.running = settled;
    return work;
  }

  /** Merges what a read or a notification says: sequences only grow, so the larger one stands. */
  private observe(tenantId: string, seq: string, startedAt: number, session: number) {
    const prev = this.seen.get(tenantId);
    if (!prev) {
      this.remember(tenantId, { seq, startedAt, session, pushAfter: -Infinity });
      return;
    }
    if (newer(seq, prev.seq)) prev.seq = seq;
    if (startedAt > prev.startedAt) prev.startedAt = startedAt;
    if (session !== 0) prev.session = session;
  }

  private remember(tenantId: string, observation: Observation) {
    // Forgetting bounds the memory. It is safe (a tenant is read again) once the listener has caught
    // up: forgotten marks of settle() must not let an older notification be trusted meanwhile.
    if (this.seen.size >= MAX_TENANTS) {
      this.seen.clear();
      this.forgotAt = performance.now();
    }
    this.seen.set(tenantId, observation);
  }

  // ---- listener -------------------------------------------------------------------------------

  private async connect(): Promise<void> {
    if (this.closed || !this.url) return;
    const client = new pg.Client({ connectionString: this.url, application_name: `${APP_NAME_PREFIX}${this.instanceId}`, connectionTimeoutMillis: 3_000, keepAlive: true });
    this.sessions += 1;
    this.arrivals += 1;
    const s: Session = { id: this.sessions, client, listening: false, peersReadAt: undefined, lastStatementStart: -Infinity, heartbeats: [], lastHeartbeatSent: -Infinity, busy: false, timer: undefined, pid: undefined };
    this.session = s;
    client.on('notification', (msg) => this.onNotification(s, msg.channel, msg.payload ?? ''));
    client.on('error', (error) => this.drop(s, error));
    client.on('end', () => this.drop(s));
    try {
      await client.connect();
      // One simple query: behind a pooler it runs on one backend, the one that then listens. The
      // session's own notifications (heartbeats, acknowledgements) need no durability: their
      // commits do not wait for a WAL flush.
      const results = (await client.query(
        // The name other instances look for in pg_stat_activity, whatever DATABASE_URL sets.
        `SET application_name = '${APP_NAME_PREFIX}${this.instanceId}'; SET synchronous_commit = off; LISTEN ${CHANGE_CHANNEL}; LISTEN ${PEER_CHANNEL}; SELECT pg_backend_pid() AS pid`,
      )) as unknown as Array<pg.QueryResult<{ pid: number }>>;
      s.pid = results[4]?.rows[0]?.pid;
      if (this.session !== s) {
        // Closed (or dropped) meanwhile: this connection is nobody's.
        await endClient(client);
        return;
      }
      s.listening = true;
      await this.heartbeat(s);
      // Instances whose announcements this session cannot have received (sent before its LISTEN).
      const { rows } = await client.query<{ name: string }>(
        `SELECT application_name AS name FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE '${APP_NAME_PREFIX}%'`,
      );
      const at = performance.now();
      for (const r of rows) this.heard(r.name.slice(APP_NAME_PREFIX.length), at);
      s.peersReadAt = at;
      s.timer = setInterval(() => this.tick(s), PING_MS);
      s.timer.unref();
      this.log?.debug({ instanceId: this.instanceId, peers: this.livePeers(at).length }, 'change listener connected');
    } catch (error) {
      this.drop(s, error);
    }
  }

  private drop(s: Session, error?: unknown, retryMs = RECONNECT_MS) {
    if (this.session !== s) return;
    this.session = undefined;
    clearInterval(s.timer);
    void endClient(s.client);
    for (const w of [...this.waiters]) w.check();
    if (this.closed) return;
    this.log?.warn({ err: error }, 'change listener lost: requests read the change sequence until it is back');
    this.reconnect = setTimeout(() => void this.connect(), retryMs);
    this.reconnect.unref();
  }

  private tick(s: Session) {
    if (s.busy || this.session !== s) return;
    s.busy = true;
    const beat = performance.now() - s.lastHeartbeatSent >= HEARTBEAT_MS;
    (beat ? this.heartbeat(s) : this.statement(s)).then(
      () => (s.busy = false),
      () => (s.busy = false),
    );
  }

  private async heartbeat(s: Session) {
    const start = performance.now();
    s.lastHeartbeatSent = start;
    await this.statement(s, `hb:${this.instanceId}`);
    s.heartbeats.push({ start, end: performance.now() });
    if (s.heartbeats.length > 3) s.heartbeats.shift();
  }

  /**
   * A statement on the listener (with a notification on "oc_peer" to send, if given); once it
   * completes, every commit before its start has been applied. It also checks that it ran in the
   * backend that LISTENs: behind a pooler in transaction mode (PgBouncer) it may not, and then
   * nothing this session says about notifications holds.
   */
  private async statement(s: Session, notify?: string): Promise<void> {
    const start = performance.now();
    let pid: number | undefined;
    try {
      const { rows } = notify === undefined
        ? await s.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
        : await s.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_notify($1, $2)', [PEER_CHANNEL, notify]);
      pid = rows[0]?.pid;
    } catch (error) {
      this.drop(s, error);
      throw error;
    }
    if (pid !== s.pid) {
      const error = new Error(`the change listener's statements run in backend ${pid}, not in ${s.pid} that LISTENs (a pooler in transaction mode?): connect it directly`);
      this.drop(s, error, MISPLACED_RETRY_MS);
      throw error;
    }
    if (start > s.lastStatementStart) s.lastStatementStart = start;
  }

  private onNotification(s: Session, channel: string, payload: string) {
    if (this.session !== s) return;
    if (channel === CHANGE_CHANNEL) {
      const at = payload.indexOf(':');
      const tenantId = payload.slice(0, at);
      const seq = payload.slice(at + 1);
      // Kept for every tenant, read or not: a read in flight may return an older sequence, and a
      // pushed one is the tenant's whole state (every later commit is pushed too).
      if (at > 0 && UUID.test(tenantId) && /^\d+$/.test(seq)) this.observe(tenantId, seq, -Infinity, s.id);
      return;
    }
    if (channel !== PEER_CHANNEL) return;
    const [kind, from, token, acker] = payload.split(':');
    if (!from || !UUID.test(from)) return;
    const now = performance.now();
    if (kind === 'hb') this.heard(from, now);
    else if (kind === 'bye') this.peers.delete(from);
    else if (kind === 'sync' && token && from !== this.instanceId) {
      this.heard(from, now);
      // Everything committed before the sync has been applied by now: notifications come in order.
      this.statement(s, `ack:${from}:${token}:${this.instanceId}`).catch(() => undefined);
    } else if (kind === 'ack' && from === this.instanceId && acker && UUID.test(acker)) {
      this.heard(acker, now);
      for (const w of this.waiters) {
        if (w.token !== token) continue;
        w.acked.add(acker);
        w.check();
      }
    }
  }

  private heard(id: string, at: number) {
    if (id === this.instanceId || !UUID.test(id)) return;
    const last = this.peers.get(id);
    if (last === undefined || last <= at - PEER_EXPIRY_MS) this.arrivals += 1;
    this.peers.set(id, at);
  }

  /** Other instances heard of within PEER_EXPIRY_MS. */
  private livePeers(now: number): string[] {
    const live: string[] = [];
    for (const [id, at] of this.peers) {
      if (at > now - PEER_EXPIRY_MS) live.push(id);
      else this.peers.delete(id);
    }
    return live;
  }

  /**
   * Whether this session knows every instance that may be trusting pushed state at `since`: it has
   * been listening, with the pg_stat_activity read done, for TRUST_MS (a listener connection that
   * ended before the read may still be trusted by its instance for that long).
   */
  private peersComplete(s: Session, since: number): boolean {
    return s.peersReadAt !== undefined && s.peersReadAt <= since - TRUST_MS;
  }
}

async function withTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

async function endClient(client: pg.Client): Promise<void> {
  await withTimeout(client.end().catch(() => undefined), CLOSE_TIMEOUT_MS);
}
