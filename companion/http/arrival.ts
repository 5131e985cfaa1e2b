// When a request arrived. Fastify's own clock (`reply.elapsedTime`) starts when Fastify gets the
// request; one the hot path (hot-path.ts) read the body of and then handed over arrived earlier. Its
// deadline, its logged time and its latency histogram all count from its arrival.
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Requests that reached Fastify only after the hot path read their body: when they arrived (performance.now() ms). */
const arrivals = new WeakMap<IncomingMessage, number>();

/** Says when a request handed to Fastify arrived. */
export function arrivedAt(raw: IncomingMessage, at: number): void {
  arrivals.set(raw, at);
}

/** Milliseconds since the request arrived. */
export function elapsedMs(request: FastifyRequest, reply: FastifyReply): number {
  const arrived = arrivals.get(request.raw);
  return arrived === undefined ? reply.elapsedTime : Math.max(reply.elapsedTime, performance.now() - arrived);
}
