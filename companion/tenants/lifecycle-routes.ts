// Forge lifecycle events, each on the endpoint the manifest points it at:
// - POST /v1/lifecycle (endpoint `companion-lifecycle`, trigger `open-connect-lifecycle`):
//   avi:forge:installed:app / avi:forge:upgraded:app (re)activate the tenant;
// - POST /v1/lifecycle/uninstall (endpoint `companion-uninstall`, preUninstall `open-connect-uninstall`):
//   the tenant's data is marked for purge 30 days later.
// Only Forge's own deliveries to those endpoints get in (a user's or a resolver's token: 403, and
// nothing changes); the event shapes are platform-events.ts.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ErrorBody } from '../contract/common.js';
import { purgeDateFrom } from '../clock.js';
import { tenantRepository } from './tenant-repository.js';
import { recordAudit } from '../audit/record-audit.js';
import { requirePlatformDelivery } from '../auth/caller-guards.js';
import { PlatformEventBody, readInstallEvent, readUninstallEvent } from './platform-events.js';

const LifecycleAnswer = Type.Object({
  tenant: Type.Object({
    installationId: Type.String(),
    state: Type.Union([Type.Literal('installed'), Type.Literal('uninstalled')]),
    purgeAt: Type.Union([Type.String(), Type.Null()]),
  }),
});
const responses = { 200: LifecycleAnswer, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 422: ErrorBody, 503: ErrorBody };

export async function lifecycleRoutes(app: FastifyInstance) {
  const { db, clock, config } = app.companion;
  const answer = (request: FastifyRequest, state: 'installed' | 'uninstalled', purgeAt: Date | null) => ({
    tenant: { installationId: request.invocation.installationId, state, purgeAt: purgeAt?.toISOString() ?? null },
  });

  app.post(
    '/lifecycle',
    { onRequest: requirePlatformDelivery(config, 'lifecycle', 'lifecycle events'), schema: { tags: ['lifecycle'], body: PlatformEventBody, response: responses } },
    async (request) => {
      const event = readInstallEvent(request.body);
      await db.$transaction(async (tx) => {
        await tenantRepository(tx).markInstalled(request.tenantId, clock.now());
        await recordAudit(tx, { tenantId: request.tenantId, actor: event.byAccountId, action: `tenant.${event.kind}`, entityType: 'tenant', entityId: request.tenantId, before: null, after: { eventType: event.eventType } });
      });
      return answer(request, 'installed', null);
    },
  );

  app.post(
    '/lifecycle/uninstall',
    { onRequest: requirePlatformDelivery(config, 'uninstall', 'the preUninstall invocation'), schema: { tags: ['lifecycle'], body: PlatformEventBody, response: responses } },
    async (request) => {
      const event = readUninstallEvent(request.body);
      const now = clock.now();
      const purgeAt = purgeDateFrom(now);
      await db.$transaction(async (tx) => {
        await tenantRepository(tx).markUninstalled(request.tenantId, now, purgeAt);
        await recordAudit(tx, { tenantId: request.tenantId, actor: null, action: 'tenant.uninstalled', entityType: 'tenant', entityId: request.tenantId, before: null, after: { preUninstall: event.moduleKey } });
      });
      return answer(request, 'uninstalled', purgeAt);
    },
  );
}
