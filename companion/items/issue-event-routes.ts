// POST /v1/events/jira: Jira product events delivered by the app's trigger (manifest
// `open-connect-issue-deleted` → endpoint `companion-issue-events`). An issue's connected item values
// are kept until the issue is deleted (DESIGN.md): on exactly `avi:jira:deleted:issue` they are
// marked for purge. Only Forge's delivery to that endpoint gets in: a user's or a resolver's token
// gets 403 and drops nothing.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorBody } from '../contract/common.js';
import { requirePlatformDelivery } from '../auth/caller-guards.js';
import { PlatformEventBody, deletedIssueIdOf } from '../tenants/platform-events.js';
import { itemValueService } from './item-value-service.js';

const Answer = Type.Object({ handled: Type.Boolean(), deleted: Type.Integer() });

export async function issueEventRoutes(app: FastifyInstance) {
  const values = itemValueService(app.companion);
  app.post(
    '/events/jira',
    {
      onRequest: requirePlatformDelivery(app.companion.config, 'jiraEvents', 'Jira events'),
      schema: { tags: ['items'], body: PlatformEventBody, response: { 200: Answer, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 503: ErrorBody } },
    },
    async (request) => {
      const issueId = deletedIssueIdOf(request.body);
      if (!issueId) return { handled: false, deleted: 0 };
      return { handled: true, deleted: await values.issueDeleted(request.tenantId, issueId) };
    },
  );
}
