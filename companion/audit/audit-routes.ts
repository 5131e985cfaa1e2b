// GET /v1/admin/audit?limit=&cursor=: the tenant's configuration changes, newest first. The cursor
// is opaque to callers: the (at, id) of the last event of the page, so paging is stable while new
// events arrive.
import type { FastifyInstance } from 'fastify';
import { ErrorBody, PageQuery } from '../contract/common.js';
import { AuditPage } from '../contract/audit.js';
import { badRequest } from '../errors.js';
import { isUuid } from '../db/ids.js';
import { redactSecrets } from './record-audit.js';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 503: ErrorBody };

const encodeCursor = (at: Date, id: string) => Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');

function decodeCursor(cursor: string): { at: Date; id: string } {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const at = new Date(iso ?? '');
  if (!id || !isUuid(id) || Number.isNaN(at.getTime())) throw badRequest('The cursor is not one this route gave out', 'invalid_cursor');
  return { at, id };
}

export async function auditRoutes(app: FastifyInstance) {
  const { db } = app.companion;

  app.get('/', { schema: { tags: ['audit'], querystring: PageQuery, response: { 200: AuditPage, ...errors } } }, async (request) => {
    const { limit = 50, cursor } = request.query as { limit?: number; cursor?: string };
    // Ajv's number coercion lets `1e309` (Infinity) through the integer check; refuse it here.
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 200) throw badRequest('limit must be an integer from 1 to 200', 'validation_failed');
    const after = cursor ? decodeCursor(cursor) : undefined;
    const rows = await db.auditEvent.findMany({
      where: {
        tenantId: request.tenantId,
        ...(after ? { OR: [{ at: { lt: after.at } }, { at: after.at, id: { lt: after.id } }] } : {}),
      },
      orderBy: [{ at: 'desc' }, { id: 'desc' }],
      take: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      // Lines are redacted when written; redacting again on the way out costs little and keeps
      // an older line written by a careless caller off the wire.
      events: page.map((e) => ({
        id: e.id,
        at: e.at.toISOString(),
        actor: e.actor,
        action: e.action,
        entityType: e.entityType,
        entityId: e.entityId,
        before: redactSecrets(e.before ?? null),
        after: redactSecrets(e.after ?? null),
      })),
      nextCursor: rows.length > limit && last ? encodeCursor(last.at, last.id) : null,
    };
  });
}
