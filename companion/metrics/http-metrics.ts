// Per-route request metrics: every route gets its own onResponse hook bound to its meter when it is
// registered, so a request costs one status lookup and one histogram observation, with the route
// pattern known in advance (never read from the URL). Requests that match no route are not counted
// per route (their URLs are whatever a scanner sends).
import type { FastifyInstance, FastifyReply, FastifyRequest, onResponseHookHandler } from 'fastify';
import type { CompanionMetrics } from './companion-metrics.js';
import { elapsedMs } from '../http/arrival.js';

export function instrumentRoutes(app: FastifyInstance, metrics: CompanionMetrics): void {
  app.addHook('onRoute', (route) => {
    const method = Array.isArray(route.method) ? route.method.join(',') : route.method;
    const meter = metrics.route(method, route.url);
    // Timed from the request's arrival: one the hot path handed over arrived before Fastify got it.
    const hook = (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      meter.observe(reply.statusCode, elapsedMs(request, reply) / 1000);
      done();
    };
    const existing = route.onResponse === undefined ? [] : Array.isArray(route.onResponse) ? route.onResponse : [route.onResponse];
    route.onResponse = [...existing, hook as onResponseHookHandler];
  });
}
