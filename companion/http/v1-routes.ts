// /v1: every route behind the Forge token; /v1/admin additionally behind the admin module check.
// Each domain contributes its route plugin here, and nowhere else.
import type { FastifyInstance } from 'fastify';
import { authenticate, requireAdminModule } from '../auth/authenticate.js';
import { lifecycleRoutes } from '../tenants/lifecycle-routes.js';
import { datasourceRoutes } from '../datasources/datasource-routes.js';

export async function v1Routes(v1: FastifyInstance) {
  const { verifier, config } = v1.companion;
  v1.addHook('onRequest', authenticate(verifier, v1.companion.tenants));

  await v1.register(lifecycleRoutes);

  await v1.register(
    async (admin) => {
      admin.addHook('onRequest', requireAdminModule(config.adminModuleKeys));
      await admin.register(datasourceRoutes, { prefix: '/datasources' });
    },
    { prefix: '/admin' },
  );
}
