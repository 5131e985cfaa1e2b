// Keeps this instance's in-process copies right when a datasource changes through the datasource
// routes (they know nothing of the cache): after a successful PUT or DELETE of
// /v1/admin/datasources/:id, the datasource's copy and in-process entries are dropped before the
// answer leaves. Other instances notice on their next request (the change sequence, config-snapshots.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify';
import { runtimeCaches } from './runtime-caches.js';

const DATASOURCE_ROUTE = /\/admin\/datasources\/:id$/;

export async function cacheInvalidationHooks(app: FastifyInstance) {
  const caches = runtimeCaches(app.companion, app.log);
  const forget = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void) => {
    const id = (request.params as { id?: unknown } | undefined)?.id;
    if ((request.method === 'PUT' || request.method === 'DELETE') && reply.statusCode < 300 && typeof id === 'string' && request.tenantId) caches.forgetDatasource(request.tenantId, id);
    done(null, payload);
  };
  // An onSend hook on those two routes only (bound when each route is registered), not on every /v1
  // answer: a request to any other route runs no onSend hook at all.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!DATASOURCE_ROUTE.test(route.url) || !methods.some((m) => m === 'PUT' || m === 'DELETE')) return;
    const existing = route.onSend === undefined ? [] : Array.isArray(route.onSend) ? route.onSend : [route.onSend];
    route.onSend = [...existing, forget as onSendHookHandler];
  });
}
// Not encapsulated: the hook must see the sibling datasource routes (Fastify's skip-override symbol).
(cacheInvalidationHooks as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
