import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorBody } from '../contract/common.js';

export async function healthRoutes(app: FastifyInstance) {
  app.get(
    '/health',
    { schema: { hide: false, response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/ready',
    {
      schema: {
        response: { 200: Type.Object({ status: Type.Literal('ready') }), 503: ErrorBody },
      },
    },
    async (_request, reply) => {
      const ready = await app.companion.ready().catch(() => false);
      if (ready) return { status: 'ready' as const };
      return reply.code(503).send({ error: { code: 'not_ready', message: 'The database is not reachable or not migrated yet' } });
    },
  );
}
