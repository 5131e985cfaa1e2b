// Keeps this instance's in-process copies right when a datasource changes through the datasource
// routes (they know nothing of the cache): after a successful PUT or DELETE of
// /v1/admin/datasources/:id, the datasource's copy and in-process entries are dropped before the
// answer leaves. Other instances notice on their next request (the change sequence, config-snapshots.ts).
import type { FastifyInstance } from 'fastify';
import { runtimeCaches } from './runtime-caches.js';

const DATASOURCE_ROUTE = /\/admin\/datasources\/:id$/;

export async function cacheInvalidationHooks(app: FastifyInstance) {
  const caches = runtimeCaches(app.companion, app.log);
  // A callback hook, not an async one: it runs on every /v1 answer, and most of them only pass by.
  app.addHook('onSend', (request, reply, payload, done) => {
    if ((request.method === 'PUT' || request.method === 'DELETE') && reply.statusCode < 300) {
      const route = request.routeOptions.url ?? '';
      const id = (request.params as { id?: unknown } | undefined)?.id;
      if (DATASOURCE_ROUTE.test(route) && typeof id === 'string' && request.tenantId) caches.forgetDatasource(request.tenantId, id);
    }
    done(null, payload);
  });
}
// Not encapsulated: the hook must see the sibling datasource routes (Fastify's skip-override symbol).
(cacheInvalidationHooks as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
