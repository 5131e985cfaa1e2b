// The /v1 routes the companion really serves, read from the running app itself (its router tree
// and its OpenAPI document), so the proof tables can be checked against the product, not a list
// someone remembered to update.
import type { FastifyInstance } from 'fastify';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
const METHODS = new Set<string>(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']);

/** `POST /v1/admin/datasources/:id/test`: method, space, path without a trailing slash. */
export type RouteKey = `${HttpMethod} ${string}`;

export const routeKey = (method: string, path: string): RouteKey => {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return `${method.toUpperCase() as HttpMethod} ${trimmed.replace(/\{(\w+)\}/g, ':$1')}`;
};

/** Parses `app.printRoutes({ commonPrefix: false })`: every node's label is its path segment. */
function fromRouterTree(app: FastifyInstance): RouteKey[] {
  const keys: RouteKey[] = [];
  const stack: Array<{ depth: number; path: string }> = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    while (stack.length > 0 && stack[stack.length - 1]!.depth >= depth) stack.pop();
    const path = (stack[stack.length - 1]?.path ?? '') + (match[2] ?? '');
    stack.push({ depth, path });
    for (const method of (match[3] ?? '').split(',').map((m) => m.trim())) {
      if (METHODS.has(method)) keys.push(routeKey(method, path));
    }
  }
  return keys;
}

function fromOpenApi(app: FastifyInstance): RouteKey[] {
  const doc = app.swagger() as { paths?: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths ?? {}).flatMap(([path, ops]) =>
    Object.keys(ops)
      .filter((m) => METHODS.has(m.toUpperCase()))
      .map((m) => routeKey(m, path)),
  );
}

/** Every /v1 route of the app (router tree ∪ OpenAPI document), sorted. */
export function v1RoutesOf(app: FastifyInstance): RouteKey[] {
  const all = new Set([...fromRouterTree(app), ...fromOpenApi(app)]);
  return [...all].filter((k) => k.split(' ')[1]!.startsWith('/v1/')).sort();
}

/** The query-string keys a route's schema declares (fuzzing aims at them). */
export function queryKeysOf(app: FastifyInstance, key: RouteKey): string[] {
  const [method, path] = key.split(' ') as [string, string];
  const doc = app.swagger() as { paths?: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }> }>> };
  for (const [p, ops] of Object.entries(doc.paths ?? {})) {
    if (routeKey(method, p) !== key) continue;
    return (ops[method.toLowerCase()]?.parameters ?? []).filter((q) => q.in === 'query').map((q) => q.name);
  }
  void path;
  return [];
}
