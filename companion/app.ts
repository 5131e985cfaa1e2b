// Builds the companion's Fastify instance from its dependencies. Start-up concerns (database,
// migrations, keys, listening) live in server.ts; tests build the app directly with their own deps.
import { createServer, type ServerOptions } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { CompanionDeps } from './companion.js';
import { frameworkErrors, registerErrorHandling } from './http/error-handler.js';
import { requestValidatorCompiler } from './http/validators.js';
import { sharedSerializers } from './http/serializers.js';
import { healthRoutes } from './http/health-routes.js';
import { v1Routes } from './http/v1-routes.js';
import { tenantService } from './tenants/tenant-service.js';
import { instrumentRoutes } from './metrics/http-metrics.js';
import { OneLinePerRequest } from './http/request-log.js';
import { HotPath } from './http/hot-path.js';

/** Secrets that must never reach a log line, whatever logs the request. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-forge-oauth-user"]',
  'req.headers["x-forge-oauth-system"]',
  'headers.authorization',
  'secrets',
  '*.secrets',
  'password',
  '*.password',
];

export async function buildApp(
  deps: CompanionDeps,
  logger: FastifyServerOptions['logger'] = { level: deps.config.logLevel },
): Promise<FastifyInstance> {
  const bodyLimit = 1024 * 1024;
  // Warm options hits are answered at the server's request event (http/hot-path.ts); every other
  // request, and any it does not answer, goes to Fastify's handler.
  const serializers = sharedSerializers();
  const hot = new HotPath(bodyLimit, serializers.compiledFor);
  const app = Fastify({
    serverFactory: (handler, options) => {
      // Fastify hands over its options with its defaults filled in; set up as it sets up the server
      // it makes itself (lib/server.js).
      const o = options as { http?: ServerOptions; keepAliveTimeout: number; requestTimeout: number; connectionTimeout: number };
      const server = createServer(o.http ?? {}, (req, res) => hot.handle(req, res, handler));
      server.keepAliveTimeout = o.keepAliveTimeout;
      server.requestTimeout = o.requestTimeout;
      server.setTimeout(o.connectionTimeout);
      return server;
    },
    genReqId: hot.requestId,
    logger: typeof logger === 'object' && logger !== null && !('info' in logger) ? { ...logger, redact: REDACTED_PATHS } : logger,
    bodyLimit,
    return503OnClosing: true,
    frameworkErrors,
    // One line per request instead of Fastify's two (request-log.ts).
    logController: new OneLinePerRequest(),
    schemaController: { compilersFactory: { buildSerializer: serializers.factory } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Before any route is registered: each route's own hook observes its latency.
  instrumentRoutes(app, deps.metrics);
  const validatorCompiler = requestValidatorCompiler();
  app.setValidatorCompiler(validatorCompiler);
  hot.install(app, validatorCompiler);
  app.decorate('companion', { ...deps, tenants: tenantService(deps.db) });
  registerErrorHandling(app);

  await app.register(swagger, {
    openapi: {
      info: { title: 'open-connect companion', version: '1.0.0', description: 'Companion contract v1 (DESIGN.md)' },
      components: { securitySchemes: { forgeInvocationToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ forgeInvocationToken: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes);
  await app.register(v1Routes, { prefix: '/v1' });
  return app;
}
