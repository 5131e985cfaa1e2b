// A whole options list answered from the in-process cache goes out as the bytes the options route's
// serializer made of it on its first hit: keyed by the cached list itself, so the bytes live exactly
// as long as the entry, and a hit costs no serialization. Pages, filtered lists and other outcomes
// are serialized per request.
//
// warmHit is the same answer without Fastify (http/hot-path.ts): given a request that is already
// authenticated, parsed and validated, the bytes when the route would answer them from memory, at
// once (no I/O, no await), else undefined, having read, sent and changed nothing, so that the route
// can then run as usual.
import type { IncomingMessage } from 'node:http';
import type { Companion } from '../companion.js';
import type { Option } from '../contract/common.js';
import type { OptionsRequest, OptionsResponse } from '../contract/field.js';
import type { CallerContext } from '../connectors/query-pipeline-types.js';
import { cachedOptions } from './connected-options.js';
import type { ConnectedOptionsResult } from './connected-options-types.js';
import type { FieldRow } from './field-repository.js';
import { fieldSnapshots } from './field-snapshots.js';
import { filterByInput, pageOf } from './option-paging.js';

const prebuilt = new WeakMap<Option[], Buffer>();

/** The answer's bytes for a whole cached list: made by `serialize` once per entry. */
export function hitBytes(options: Option[], serialize: () => string): Buffer {
  let bytes = prebuilt.get(options);
  if (!bytes) {
    bytes = Buffer.from(serialize());
    prebuilt.set(options, bytes);
  }
  return bytes;
}

/** A request the hot path took, authenticated, parsed and validated: what the route would look its options up with. */
export interface OptionsLookup {
  tenantId: string;
  caller: CallerContext;
  body: OptionsRequest;
}

export interface WarmHitRequest extends OptionsLookup {
  /** The field's id or key, as in the URL. */
  ref: string;
}

/** A resolution the hot path started for a request and then handed to the route with it (it failed). */
export interface HandedResolution {
  field: FieldRow;
  resolving: Promise<ConnectedOptionsResult>;
}

const handed = new WeakMap<IncomingMessage, HandedResolution>();

/** The hot path's resolution of this request, for the route to finish (http/hot-path.ts). */
export function handOverResolving(raw: IncomingMessage, resolution: HandedResolution): void {
  handed.set(raw, resolution);
}

/** What the hot path resolved for this request, if anything: the route answers it instead of resolving again. */
export function handedResolution(raw: IncomingMessage): HandedResolution | undefined {
  return handed.get(raw);
}

/**
 * The page the route answers of a resolved list (typed input filtering it, the cursor's offset,
 * the limit), and whether it is the whole cached list, whose bytes are made once (hitBytes).
 */
export function answerPage(result: Pick<ConnectedOptionsResult, 'options' | 'cache'>, field: FieldRow, body: OptionsRequest, offset: number): { answer: OptionsResponse; whole: boolean } {
  const { options, nextCursor } = pageOf(filterByInput(result.options, field.query, body.input), offset, body.limit);
  return { answer: { options, nextCursor, cache: result.cache }, whole: result.cache === 'hit' && options === result.options && nextCursor === null };
}

export function warmHit(companion: Companion, { tenantId, caller, ref, body }: WarmHitRequest): Buffer | undefined {
  // A page after the first is the route's: its cursor is checked there.
  if (body.cursor !== undefined) return undefined;
  const field = fieldSnapshots(companion).peek(tenantId, ref, caller.deadline.startedAt);
  if (!field) return undefined;
  const cached = cachedOptions(companion, { tenantId, caller, config: field, context: body.context, input: body.input });
  if (!cached) return undefined;
  const { answer, whole } = answerPage({ options: cached.options, cache: 'hit' }, field, body, 0);
  const bytes = whole ? prebuilt.get(answer.options) : undefined;
  if (bytes) companion.metrics.datasource(tenantId, cached.datasource.row.id, cached.datasource.row.type).cache('hit');
  return bytes;
}
