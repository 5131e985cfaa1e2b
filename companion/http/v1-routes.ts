// /v1: every route behind the Forge token, with the caller's identity settled before validation;
// /v1/admin additionally behind the admin module check. Each domain contributes its route plugin
// here, and nowhere else.
import type { FastifyInstance } from 'fastify';
import { authenticate } from '../auth/authenticate.js';
import { requireAdminModule } from '../auth/caller-guards.js';
import { identifyCaller } from '../auth/caller-identity.js';
import { lifecycleRoutes } from '../tenants/lifecycle-routes.js';
import { datasourceRoutes } from '../datasources/datasource-routes.js';
import { datasourceTestRoutes } from '../datasources/datasource-test-routes.js';
import { fieldPreviewRoutes } from '../fields/field-preview-routes.js';
import { cacheInvalidationHooks } from '../cache/cache-invalidation-hooks.js';
import { cacheClearRoutes } from '../cache/cache-clear-routes.js';
import { fieldRoutes } from '../fields/field-routes.js';
import { fieldRuntimeRoutes } from '../fields/field-runtime-routes.js';
import { fieldAutomationRoutes } from '../fields/field-automation-routes.js';
import { itemRoutes } from '../items/item-routes.js';
import { itemRuntimeRoutes } from '../items/item-runtime-routes.js';
import { issueEventRoutes } from '../items/issue-event-routes.js';
import { mappingRoutes } from '../mappings/mapping-routes.js';
import { exportRoutes } from '../export/export-routes.js';
import { egressRoutes } from '../reports/egress-routes.js';
import { auditRoutes } from '../audit/audit-routes.js';
import { datasourceHealthRoutes } from '../metrics/datasource-health-routes.js';

export async function v1Routes(v1: FastifyInstance) {
  const { verifier, config } = v1.companion;
  v1.addHook('onRequest', authenticate(verifier, v1.companion.tenants));
  v1.addHook('preValidation', identifyCaller(config));

  await v1.register(lifecycleRoutes);
  await v1.register(cacheInvalidationHooks);
  await v1.register(fieldRuntimeRoutes, { prefix: '/fields' });
  await v1.register(fieldAutomationRoutes, { prefix: '/fields' });
  await v1.register(itemRuntimeRoutes);
  await v1.register(issueEventRoutes);

  await v1.register(
    async (admin) => {
      admin.addHook('onRequest', requireAdminModule(config));
      await admin.register(datasourceRoutes, { prefix: '/datasources' });
      await admin.register(datasourceTestRoutes, { prefix: '/datasources' });
      await admin.register(fieldPreviewRoutes, { prefix: '/fields' });
      await admin.register(cacheClearRoutes, { prefix: '/datasources' });
      await admin.register(fieldRoutes, { prefix: '/fields' });
      await admin.register(itemRoutes, { prefix: '/items' });
      await admin.register(mappingRoutes, { prefix: '/mappings' });
      await admin.register(exportRoutes);
      await admin.register(egressRoutes, { prefix: '/egress' });
      await admin.register(auditRoutes, { prefix: '/audit' });
      await admin.register(datasourceHealthRoutes, { prefix: '/health' });
    },
    { prefix: '/admin' },
  );
}
