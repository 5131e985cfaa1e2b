// What an attacker (or a buggy client) sends: arbitrary JSON, valid bodies with one part broken,
// prototype-pollution keys, odd strings and numbers, foreign media types, broken JSON, odd ids and
// query strings. Small sizes keep thousands of cases fast; the 1 MB limit has its own test.
import fc from 'fast-check';

const nastyStrings = fc.constantFrom(
  '', ' ', '\u0000', '%00', '../../etc/passwd', '..%2F..%2F', '%', '%zz', '\uFFFF', '\uD83D\uDE00', 'null', 'undefined',
  'NaN', '-1', '0', '1e309', '9'.repeat(40), "' OR 1=1 --", '"; DROP TABLE "Datasource"; --', '$issue.key', '#set($x = 1)',
  '${row.name}', '{{7*7}}', '<script>alert(1)</script>', 'http://169.254.169.254/latest/meta-data/', '00000000-0000-0000-0000-000000000000',
  'customfield_10050', 'customfield_', '__proto__', 'constructor', 'x'.repeat(5000),
);

export const hostileString = fc.oneof(nastyStrings, fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 300 }));

const hostileScalar = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 31, -0, 1e308),
  fc.boolean(),
  fc.constant(null),
);

const hostileKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'version', 'id', 'tenantId'), fc.string({ maxLength: 12 }));

export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, hostileScalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 6 }),
  object: fc.dictionary(hostileKey, tie('value'), { maxKeys: 6 }),
})).value;

type Json = unknown;

/** Paths (key lists) to every value inside a JSON document, the root included. */
function pathsOf(value: Json, prefix: string[] = [], out: string[][] = []): string[][] {
  out.push(prefix);
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  }
  return out;
}

function setAt(value: Json, path: string[], replacement: Json | typeof REMOVE): Json {
  if (path.length === 0) return replacement === REMOVE ? undefined : replacement;
  const [head, ...rest] = path as [string, ...string[]];
  const copy: Record<string, Json> = Array.isArray(value) ? ([...value] as unknown as Record<string, Json>) : { ...(value as Record<string, Json>) };
  if (rest.length === 0 && replacement === REMOVE) {
    if (Array.isArray(copy)) (copy as unknown as Json[]).splice(Number(head), 1);
    else delete copy[head];
  } else {
    Object.defineProperty(copy, head, { value: setAt(copy[head], rest, replacement), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}
const REMOVE = Symbol('remove');

/** The valid body with one place replaced, removed, or given an extra property. */
export function mutationsOf(valid: Json): fc.Arbitrary<Json> {
  const paths = pathsOf(valid);
  const inner = paths.filter((p) => p.length > 0);
  const place = fc.constantFrom(...paths);
  return fc.oneof(
    fc.tuple(place, hostileJson).map(([p, v]) => setAt(valid, p, v)),
    // (a body without inner places, e.g. {}, has nothing to remove)
    inner.length > 0 ? fc.constantFrom(...inner).map((p) => setAt(valid, p, REMOVE)) : hostileJson,
    fc.tuple(place, hostileKey, hostileJson).map(([p, k, v]) => {
      const target = p.reduce<Json>((o, key) => (o as Record<string, Json>)?.[key], valid);
      if (!target || typeof target !== 'object' || Array.isArray(target)) return setAt(valid, p, { [k]: v });
      return setAt(valid, p, { ...(target as Record<string, Json>), [k]: v });
    }),
  );
}

/** Bodies that are not JSON objects at all, sent with their own content type. */
export const rawBodies = fc.oneof(
  fc.record({ contentType: fc.constant('application/json'), payload: fc.oneof(fc.constantFrom('{', '{"a":', '[1,', 'nul', '"\\u12"', '{"__proto__":{"x":1}}', '1e999'), fc.string({ maxLength: 60 })) }),
  fc.record({
    contentType: fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'application/jsonx', ''),
    payload: fc.string({ maxLength: 60 }),
  }),
);

/** A path parameter: odd text, ids of the wrong shape, other tenants' style of ids. */
export const hostileParam = fc.oneof(hostileString, fc.uuid(), fc.constantFrom('customfield_10050', 'customfield_99999999', 'ISSUE-1', '10001'));

/** A query string aimed at the route's declared keys, plus strangers, repeats and broken escapes. */
export function hostileQuery(keys: string[]): fc.Arbitrary<string> {
  const key = fc.oneof(keys.length ? fc.constantFrom(...keys) : fc.constant('limit'), fc.string({ maxLength: 10 }), fc.constantFrom('__proto__', 'constructor', 'mode'));
  const pair = fc.tuple(key, hostileString);
  return fc.oneof(
    fc.array(pair, { maxLength: 5 }).map((pairs) => new URLSearchParams(pairs).toString()),
    fc.constantFrom('limit=0', 'limit=-1', 'limit=201', 'limit=1.5', 'limit=abc', 'limit=1&limit=2', 'cursor=%', 'cursor=%zz', '=&=&', '&&&', 'a[b]=1', 'mode=replace&mode=x', 'limit=99999999999999999999'),
  );
}
