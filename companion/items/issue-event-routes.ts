// POST /v1/events/jira: Jira product events delivered by the app's trigger (manifest
// `open-connect-issue-deleted`). An issue's connected item values are kept until the issue is
// deleted (DESIGN.md): on `avi:jira:deleted:issue` they are marked for purge.
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorBody } from '../contract/common.js';
import { forbidden } from '../errors.js';
import { itemValueService } from './item-value-service.js';

const JiraEvent = Type.Object({
  eventType: Type.String({ minLength: 1, maxLength: 200 }),
  // Forge sends the whole issue; only its id matters here.
  issue: Type.Optional(Type.Object({ id: Type.Optional(Type.String({ maxLength: 40 })) })),
});
const Answer = Type.Object({ handled: Type.Boolean(), deleted: Type.Integer() });

export async function issueEventRoutes(app: FastifyInstance) {
  const values = itemValueService(app.companion);
  app.post(
    '/events/jira',
    { schema: { tags: ['items'], body: JiraEvent, response: { 200: Answer, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 503: ErrorBody } } },
    async (request) => {
      // Trigger invocations carry no user: a user's UI token may not drop an issue's values.
      if (request.invocation.principal) throw forbidden('Only the app\'s own triggers send Jira events');
      const { eventType, issue } = request.body as { eventType: string; issue?: { id?: string } };
      if (eventType !== 'avi:jira:deleted:issue' || !issue?.id || !/^[0-9]{1,18}$/.test(issue.id)) return { handled: false, deleted: 0 };
      return { handled: true, deleted: await values.issueDeleted(request.tenantId, issue.id) };
    },
  );
}
