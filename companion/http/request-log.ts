// One log line per request, written when the answer has gone: method, URL, status and time (ms).
// Fastify's default is two lines (one when a request comes in, one when it is answered, each through
// the req/res serializers): at the default level `info` that cost a cache hit two synchronous writes
// and two serializations. Errors are still logged as Fastify does (`request errored`). A warm hit
// answered by the hot path (hot-path.ts) gets the same line, written there; one it handed over is
// timed from its arrival (arrival.ts).
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { elapsedMs } from './arrival.js';

export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {
    // Nothing: the request is described once, in requestCompleted.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { method: request.method, url: request.url, statusCode: reply.statusCode, responseTime: Math.round(elapsedMs(request, reply) * 100) / 100 };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}
