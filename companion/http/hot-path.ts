// The hot path: options requests answered beside Fastify, at the server's own request event.
//
// A warm hit is most of what the companion serves (every edit screen opening a connected field asks
// for its options), and Fastify's request pipeline (its request and reply objects, the hook runner,
// the body reader) cost more per hit than the rest of the companion's work together (docs/BENCHMARKS.md).
// So the server's request listener first looks at a request here, and answers it when it is
// provably a plain warm hit, or resolves it as the route would (step 6); anything else goes to
// Fastify as if this had never looked:
//
// 1. Taken: `POST /v1/fields/<id or key>/options` (letters, digits, `_`, `-`; no query, no
//    encoding), `Content-Type: application/json`, a Content-Length up to the body limit and no
//    Transfer-Encoding or Content-Encoding, a Bearer token, and the app ready and not closing.
//    Everything else is Fastify's at once, untouched.
// 2. The token is verified while the body arrives, by the same verifier and rules as the /v1 hook
//    (auth/authenticate.ts), and the tenant resolved the same way.
// 3. The body is parsed as Fastify's JSON parser does (secure-json-parse, prototype and constructor
//    poisoning refused), the caller settled by the same function as the preValidation hook, params
//    and body checked by validators compiled from the route's own schemas with the companion's
//    compiler, and numbers checked finite as the preHandler hook does.
// 4. fields/options-hit.ts finds the answer in this instance's memory with the route's own lookup
//    (the field and datasource copies, the cache key, the entry): only a whole list that the route
//    has already answered once, as bytes, is sent. That lookup reads no more than the route would
//    and sends nothing out of the companion.
// 5. The answer: the route's status, headers and bytes; the route's latency histogram; the same one
//    log line per request, with a request id from the same sequence as Fastify's.
// 6. Not found in memory (a miss, a filtered list, a first page, a list not answered yet): the
//    route's own steps, its field lookup, connectedOptions and paging, and the 200 serialized by
//    the very function Fastify compiled for the route, then step 5. A miss on a cold CPU paid
//    Fastify's pipeline on top of its own work (docs/BENCHMARKS.md, cold miss).
//
// A request that fails any of it, or for which any step throws, is handed to Fastify after all:
// its body is replayed (a preParsing hook) and the token check already made is reused (the /v1
// hook takes its outcome), so the route runs exactly as without a hot path, and answers errors
// and later pages itself. A resolution of step 6 that failed is handed over with its outcome
// (fields/options-hit.ts), so the route throws that very error instead of asking the upstream
// again. Nothing else the hot path did is seen, but for the time it took: the route's deadline and
// logged time count from arrival (http/arrival.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { parse as secureJsonParse } from 'secure-json-parse';
import type { FastifyBaseLogger, FastifyInstance, FastifySchemaCompiler, preParsingHookHandler } from 'fastify';
import type { Companion } from '../companion.js';
import { FieldRef, OptionsRequest, OptionsResponse } from '../contract/field.js';
import { bearerToken, forgeTokensOf, handedOver } from '../auth/authenticate.js';
import type { Invocation } from '../auth/forge-token-verifier.js';
import { settleCaller } from '../auth/caller-identity.js';
import { Deadline } from '../deadline.js';
import { hasNonFiniteNumber } from './error-handler.js';
import { arrivedAt } from './arrival.js';
import { answerPage, handOverResolving, hitBytes, warmHit, type OptionsLookup } from '../fields/options-hit.js';
import { connectedOptions } from '../fields/connected-options.js';
import { fieldSnapshots } from '../fields/field-snapshots.js';
import type { RouteMeter } from '../metrics/companion-metrics.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
type Check = (data: unknown) => boolean;

const ROUTE = '/v1/fields/:id/options';
const URL_OF_ROUTE = /^\/v1\/fields\/([A-Za-z0-9_-]{1,100})\/options$/;
const JSON_TYPE = /^application\/json(?:\s*;\s*charset=utf-8)?$/i;
const DIGITS = /^[0-9]{1,10}$/;
const ANSWER_TYPE = 'application/json; charset=utf-8';
/** As Fastify's JSON parser is configured by default (onProtoPoisoning, onConstructorPoisoning). */
const PARSE = { protoAction: 'error', constructorAction: 'error' } as const;

/** What the hot path needs once the app is ready. */
interface Ready {
  companion: Companion;
  log: FastifyBaseLogger;
  /**
   * The log for the line per answered request: the app's, without redaction, since that line is
   * only the request id, method, URL (no query), status and time (pino's redaction doubled its cost).
   */
  lines: FastifyBaseLogger;
  meter: RouteMeter;
  validParams: Check;
  validBody: Check;
}

/** A request the hot path took: its field reference, body, verified token and arrival. */
interface Taken {
  ref: string;
  body: Buffer;
  invocation: Invocation;
  arrived: number;
}

export class HotPath {
  private ready: Ready | undefined;
  private closing = false;
  private nextId = 0;
  /** Bodies read here of requests handed to Fastify: replayed to its body reader. */
  private readonly bodies = new WeakMap<IncomingMessage, Buffer>();
  constructor(
    private readonly bodyLimit: number,
    /** The serializer Fastify compiled for a response schema (http/serializers.ts), once the app is ready. */
    private readonly serializerFor: (schema: object) => ((payload: never) => string) | undefined,
  ) {}

  /** Fastify's `genReqId` too: one sequence for both ways a request is answered (`req-<n in base 36>`). */
  readonly requestId = (_raw: IncomingMessage): string => {
    this.nextId = (this.nextId + 1) & 0x7fffffff;
    return `req-${this.nextId.toString(36)}`;
  };

  /** The hooks that hand requests over (before any route is registered), and the route's validators once the app is ready. */
  install(app: FastifyInstance, compile: FastifySchemaCompiler<unknown>): void {
    // Only the route the hot path hands requests to takes a replayed body (installed before any
    // route is registered, as metrics/http-metrics.ts binds its hook).
    const replayBody: preParsingHookHandler = (request, _reply, payload, done) => {
      const body = this.bodies.get(request.raw);
      if (body === undefined) return done(null, payload);
      const replay = new Readable({
        read() {
          this.push(body);
          this.push(null);
        },
      }) as Readable & { receivedEncodedLength?: number };
      replay.receivedEncodedLength = body.length;
      done(null, replay);
    };
    app.addHook('onRoute', (route) => {
      if (route.url !== ROUTE || route.method !== 'POST') return;
      const existing = route.preParsing === undefined ? [] : Array.isArray(route.preParsing) ? route.preParsing : [route.preParsing];
      route.preParsing = [replayBody, ...existing];
    });
    app.addHook('preClose', (done) => {
      // Fastify answers 503 to requests on kept-alive connections while it closes.
      this.closing = true;
      done();
    });
    app.addHook('onReady', (done) => {
      const url = ROUTE;
      this.ready = {
        companion: app.companion,
        log: app.log,
        lines: app.log.child({}, { redact: [] }),
        meter: app.companion.metrics.route('POST', ROUTE),
        validParams: compile({ schema: FieldRef, method: 'POST', url, httpPart: 'params' }) as Check,
        validBody: compile({ schema: OptionsRequest, method: 'POST', url, httpPart: 'body' }) as Check,
      };
      done();
    });
  }

  /** The server's request listener: a warm hit here, everything else to Fastify's `handler`. */
  handle(req: IncomingMessage, res: ServerResponse, handler: Handler): void {
    const ready = this.ready;
    if (ready === undefined || this.closing || req.method !== 'POST') return handler(req, res);
    const ref = URL_OF_ROUTE.exec(req.url ?? '')?.[1];
    const h = req.headers;
    const token = bearerToken(h.authorization);
    const length = h['content-length'];
    if (
      ref === undefined ||
      token === undefined ||
      !JSON_TYPE.test(h['content-type'] ?? '') ||
      length === undefined ||
      !DIGITS.test(length) ||
      Number(length) === 0 ||
      Number(length) > this.bodyLimit ||
      h['transfer-encoding'] !== undefined ||
      h['content-encoding'] !== undefined
    ) {
      return handler(req, res);
    }
    const arrived = performance.now();
    const verifying = ready.companion.verifier(token);
    // Taken below once the body is in; a request whose client goes away never gets there.
    verifying.catch(() => undefined);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    // Fastify's own listeners take over errors if the request is handed over; until then, a
    // client that goes away mid-body only ends this request.
    req.on('error', () => undefined);
    req.once('end', () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      verifying.then(
        (invocation) => this.finish(ready, req, res, handler, { ref, body, invocation, arrived }, verifying),
        () => this.handOver(req, res, body, handler, verifying, arrived),
      );
    });
  }

  /** Sends the warm hit, resolves the options (resolve), or hands the request over. */
  private finish(ready: Ready, req: IncomingMessage, res: ServerResponse, handler: Handler, r: Taken, verifying: Promise<Invocation>): void {
    let found: Buffer | OptionsLookup | 'not-taken';
    try {
      found = this.answer(ready, req, r);
    } catch {
      // Whatever it was, the route meets it again and answers it as it answers errors.
      found = 'not-taken';
    }
    if (found === 'not-taken') return this.handOver(req, res, r.body, handler, verifying, r.arrived);
    if (!Buffer.isBuffer(found)) {
      void this.resolve(ready, req, res, handler, r, verifying, found);
      return;
    }
    ready.companion.metrics.hotAnswer('warm');
    this.send(ready, req, res, r, found);
  }

  /** A 200 answer: the route's headers, its latency histogram and its one log line. */
  private send(ready: Ready, req: IncomingMessage, res: ServerResponse, r: Taken, bytes: Buffer): void {
    try {
      res.writeHead(200, { 'content-type': ANSWER_TYPE, 'content-length': bytes.length });
      res.end(bytes);
      const ms = performance.now() - r.arrived;
      ready.meter.observe(200, ms / 1000);
      ready.lines.info({ reqId: this.requestId(req), method: 'POST', url: req.url, statusCode: 200, responseTime: Math.round(ms * 100) / 100 }, 'request completed');
    } catch (error) {
      ready.log.error({ err: error }, 'hot path: the answer could not be sent');
    }
  }

  /**
   * What the route does for a request the warm lookup did not answer (a miss, a filtered list, a
   * first page, a list not answered yet): the same field lookup, the same connectedOptions call and
   * paging, and the route's serializer. Only a 200 is sent from here. A cursor, an unknown field or
   * a lookup that fails go to the route untouched; a resolution that fails goes to it with its
   * outcome (options-hit.ts handOverResolving), so the route throws that very error and Fastify's
   * error handler answers it: nothing is asked of the upstream twice.
   */
  private async resolve(ready: Ready, req: IncomingMessage, res: ServerResponse, handler: Handler, r: Taken, verifying: Promise<Invocation>, m: OptionsLookup): Promise<void> {
    const { companion } = ready;
    // The route's serializer for its 200 answer: the very function Fastify compiled (http/serializers.ts).
    const serialize = this.serializerFor(OptionsResponse) as ((payload: OptionsResponse) => string) | undefined;
    const { tenantId, body, caller } = m;
    let field;
    let resolving;
    try {
      if (!serialize || body.cursor !== undefined) return this.handOver(req, res, r.body, handler, verifying, r.arrived);
      field = await fieldSnapshots(companion).get(tenantId, r.ref, caller.deadline.startedAt);
      if (!field) return this.handOver(req, res, r.body, handler, verifying, r.arrived);
      resolving = connectedOptions(companion, { tenantId, caller, config: field, context: body.context, input: body.input, cache: true });
    } catch {
      return this.handOver(req, res, r.body, handler, verifying, r.arrived);
    }
    let bytes: Buffer;
    try {
      const { answer, whole } = answerPage(await resolving, field, body, 0);
      bytes = whole ? hitBytes(answer.options, () => serialize(answer)) : Buffer.from(serialize(answer));
    } catch {
      handOverResolving(req, { field, resolving });
      return this.handOver(req, res, r.body, handler, verifying, r.arrived);
    }
    companion.metrics.hotAnswer('resolved');
    this.send(ready, req, res, r, bytes);
  }

  /** To Fastify, with the body read here and the token check already made (auth/authenticate.ts). */
  private handOver(req: IncomingMessage, res: ServerResponse, body: Buffer, handler: Handler, verifying: Promise<Invocation>, arrived: number): void {
    this.bodies.set(req, body);
    handedOver(req, verifying);
    arrivedAt(req, arrived);
    try {
      handler(req, res);
    } catch (error) {
      this.ready?.log.error({ err: error }, 'hot path: the request could not be handed over');
      res.destroy();
    }
  }

  /**
   * The bytes of a warm hit for this request; else what it was looked up with (no whole list in
   * memory: resolve takes it from there), or `not-taken` (not looked up: the route refuses it, or
   * has to resolve the tenant; Fastify answers it).
   */
  private answer(ready: Ready, req: IncomingMessage, { ref, body: raw, invocation, arrived }: Taken): Buffer | OptionsLookup | 'not-taken' {
    const { companion } = ready;
    // A tenant not known to this process yet is resolved (and created) by the /v1 hook.
    const tenantId = companion.tenants.known(invocation);
    if (tenantId === undefined) return 'not-taken';
    const body: unknown = secureJsonParse(raw.toString('utf8'), undefined, PARSE);
    const caller = settleCaller(invocation, body, companion.config);
    const params = { id: ref };
    if (!ready.validParams(params) || !ready.validBody(body) || hasNonFiniteNumber(body)) return 'not-taken';
    const lookup: OptionsLookup = {
      tenantId,
      body: body as OptionsRequest,
      caller: {
        tenantId,
        apiBaseUrl: invocation.apiBaseUrl,
        forgeTokens: forgeTokensOf(req.headers),
        accountId: caller.accountId,
        deadline: new Deadline(companion.config.deadlineMs, performance.now() - arrived),
      },
    };
    return warmHit(companion, { ...lookup, ref }) ?? lookup;
  }
}
