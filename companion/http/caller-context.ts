// Who is calling and by when the answer is due, as the query pipeline needs it: the tenant, its
// Jira (address and the Forge tokens for calling it) and the request's one deadline, which starts
// when the request arrived (reading its body, routing and authentication already count against it).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CallerContext } from '../connectors/query-pipeline-types.js';
import { Deadline } from '../deadline.js';
import { elapsedMs } from './arrival.js';

export function callerOf(request: FastifyRequest, reply: FastifyReply): CallerContext {
  return {
    tenantId: request.tenantId,
    apiBaseUrl: request.invocation.apiBaseUrl,
    forgeTokens: request.forgeTokens,
    accountId: request.caller.accountId,
    deadline: new Deadline(request.server.companion.config.deadlineMs, elapsedMs(request, reply)),
  };
}
