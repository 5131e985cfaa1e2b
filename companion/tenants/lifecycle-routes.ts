// POST /v1/lifecycle: Forge lifecycle events, delivered to the endpoint with its app system token.
// installed/upgraded (re)activate the tenant; preUninstall marks it for purge 30 days later.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorBody } from '../contract/common.js';
import { purgeDateFrom } from '../clock.js';
import { tenantRepository } from './tenant-repository.js';
import { recordAudit } from '../audit/record-audit.js';

const LifecycleEvent = Type.Object({
  eventType: Type.String({ minLength: 1, maxLength: 200 }),
  context: Type.Optional(Type.Unknown()),
});

const LifecycleAnswer = Type.Object({
  tenant: Type.Object({ installationId: Type.String(), state: Type.String(), purgeAt: Type.Union([Type.String(), Type.Null()]) }),
});

export type LifecycleKind = 'installed' | 'uninstalled' | 'ignored';

export function classifyLifecycleEvent(eventType: string, moduleType: string | undefined): LifecycleKind {
  if (/uninstall/i.test(eventType) || moduleType === 'core:preUninstall') return 'uninstalled';
  if (/:(installed|upgraded):/.test(eventType) || /^(installed|upgraded)$/i.test(eventType)) return 'installed';
  return 'ignored';
}

export async function lifecycleRoutes(app: FastifyInstance) {
  app.post(
    '/lifecycle',
    { schema: { body: LifecycleEvent, response: { 200: LifecycleAnswer, 400: ErrorBody, 401: ErrorBody } } },
    async (request) => {
      const { db, clock } = app.companion;
      const { eventType } = request.body as { eventType: string };
      const kind = classifyLifecycleEvent(eventType, request.invocation.moduleType);
      const now = clock.now();
      const repo = tenantRepository(db);
      let purgeAt: Date | null = null;
      if (kind === 'installed') await repo.markInstalled(request.tenantId, now);
      if (kind === 'uninstalled') {
        purgeAt = purgeDateFrom(now);
        await repo.markUninstalled(request.tenantId, now, purgeAt);
      }
      if (kind !== 'ignored') {
        await recordAudit(db, { tenantId: request.tenantId, actor: request.invocation.principal ?? null, action: `tenant.${kind}`, entityType: 'tenant', entityId: request.tenantId, before: null, after: { eventType } });
      }
      return {
        tenant: { installationId: request.invocation.installationId, state: kind === 'ignored' ? 'unchanged' : kind, purgeAt: purgeAt?.toISOString() ?? null },
      };
    },
  );
}
