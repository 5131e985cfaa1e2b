// Who is calling and by when the answer is due, as the query pipeline needs it: the tenant, its
// Jira (address and the Forge tokens for calling it) and the request's one deadline, which starts
// when the request arrived (reading its body, routing and authentication already count against it).
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CallerContext } from '../connectors/query-pipeline-types.js';
import { Deadline } from '../deadline.js';

/** When requests that reached Fastify only after the hot path read their body arrived (performance.now() ms). */
const arrivals = new WeakMap<IncomingMessage, number>();

/** Says when a request handed to Fastify arrived (http/hot-path.ts): its deadline starts then, not when Fastify got it. */
export function arrivedAt(raw: IncomingMessage, at: number): void {
  arrivals.set(raw, at);
}

export function callerOf(request: FastifyRequest, reply: FastifyReply): CallerContext {
  const arrived = arrivals.get(request.raw);
  const elapsedMs = arrived === undefined ? reply.elapsedTime : Math.max(reply.elapsedTime, performance.now() - arrived);
  return {
    tenantId: request.tenantId,
    apiBaseUrl: request.invocation.apiBaseUrl,
    forgeTokens: request.forgeTokens,
    accountId: request.caller.accountId,
    deadline: new Deadline(request.server.companion.config.deadlineMs, elapsedMs),
  };
}
