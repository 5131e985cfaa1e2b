// Keeps this instance's in-process copies right when a datasource changes through the datasource
// routes (they know nothing of the cache): after a successful PUT or DELETE of
// /v1/admin/datasources/:id, the datasource's copy and in-process entries are dropped before the
// answer leaves. Other instances notice on their next request (the change sequence, config-snapshots.ts):
// on PostgreSQL an admin write answers only once they provably can (ChangeSequence.settle).
import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify';
import { runtimeCaches } from './runtime-caches.js';

const DATASOURCE_ROUTE = /\/admin\/datasources\/:id$/;
/** The only routes that change datasources or fields (and so the change sequence). */
const ADMIN_PREFIX = '/v1/admin/';

type Done = (err: Error | null, payload: unknown) => void;

export async function cacheInvalidationHooks(app: FastifyInstance) {
  const caches = runtimeCaches(app.companion, app.log);
  const forget = (request: FastifyRequest, reply: FastifyReply) => {
    const id = (request.params as { id?: unknown } | undefined)?.id;
    if ((request.method === 'PUT' || request.method === 'DELETE') && reply.statusCode < 300 && typeof id === 'string' && request.tenantId) caches.forgetDatasource(request.tenantId, id);
  };
  // Every admin write (whatever its status: the answer is what the caller acts on) waits until no
  // instance can answer from state that misses it (change-sequence.ts: nothing when alone).
  const settle = (request: FastifyRequest, payload: unknown, done: Done) => {
    if (!caches.changes || !request.tenantId) return done(null, payload);
    caches.changes.settle(request.tenantId).then(() => done(null, payload), (error: Error) => done(error, payload));
  };
  const onDatasourceWrite = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: Done) => {
    forget(request, reply);
    settle(request, payload, done);
  };
  const onAdminWrite = (request: FastifyRequest, _reply: FastifyReply, payload: unknown, done: Done) => settle(request, payload, done);
  // onSend hooks on the admin write routes only (bound when each route is registered), not on every
  // /v1 answer: a request to any other route runs no onSend hook at all.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!route.url.startsWith(ADMIN_PREFIX) || methods.every((m) => m === 'GET' || m === 'HEAD')) return;
    const hook = DATASOURCE_ROUTE.test(route.url) && methods.some((m) => m === 'PUT' || m === 'DELETE') ? onDatasourceWrite : onAdminWrite;
    const existing = route.onSend === undefined ? [] : Array.isArray(route.onSend) ? route.onSend : [route.onSend];
    route.onSend = [...existing, hook as onSendHookHandler];
  });
}
// Not encapsulated: the hook must see the sibling datasource routes (Fastify's skip-override symbol).
(cacheInvalidationHooks as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
