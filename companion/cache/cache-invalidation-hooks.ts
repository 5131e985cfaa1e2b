// Keeps this instance's in-process copies right when a datasource changes through the datasource
// routes (they know nothing of the cache): after a successful PUT or DELETE of
// /v1/admin/datasources/:id, the datasource's copy and in-process entries are dropped before the
// answer leaves. Other instances notice on their next request (the change sequence, config-snapshots.ts):
// on PostgreSQL an admin write answers only once they provably can (ChangeSequence.settle).
import type { FastifyInstance } from 'fastify';
import { runtimeCaches } from './runtime-caches.js';

const DATASOURCE_ROUTE = /\/admin\/datasources\/:id$/;
/** The only routes that change datasources or fields (and so the change sequence). */
const ADMIN_PREFIX = '/v1/admin/';

export async function cacheInvalidationHooks(app: FastifyInstance) {
  const caches = runtimeCaches(app.companion, app.log);
  // A callback hook, not an async one: it runs on every /v1 answer, and most of them only pass by.
  app.addHook('onSend', (request, reply, payload, done) => {
    const method = request.method;
    if ((method === 'PUT' || method === 'DELETE') && reply.statusCode < 300) {
      const route = request.routeOptions.url ?? '';
      const id = (request.params as { id?: unknown } | undefined)?.id;
      if (DATASOURCE_ROUTE.test(route) && typeof id === 'string' && request.tenantId) caches.forgetDatasource(request.tenantId, id);
    }
    // Every admin write (whatever its status: the answer is what the caller acts on) waits until no
    // instance can answer from state that misses it (change-sequence.ts: nothing when alone).
    if (caches.changes && method !== 'GET' && method !== 'HEAD' && request.tenantId && request.routeOptions.url?.startsWith(ADMIN_PREFIX)) {
      caches.changes.settle(request.tenantId).then(() => done(null, payload), (error: Error) => done(error));
      return;
    }
    done(null, payload);
  });
}
// Not encapsulated: the hook must see the sibling datasource routes (Fastify's skip-override symbol).
(cacheInvalidationHooks as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
