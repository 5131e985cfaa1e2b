// Admin page → companion, connected fields: CRUD and the configuration tester (preview). Every saved
// configuration refreshes the field's render hints in Forge storage, so the field UIs follow.
import type { Resolver } from './resolver-class';
import { companionPath as p, type CompanionClient } from '../companion/companion-client';
import type { ForgePlatform } from '../platform/forge-platform';
import { renderHintsStore, type FieldConfig } from '../fields/render-hints-store';
import { adminOnly } from './admin-guard';
import { optionalQuery, requireObject, requireString } from './resolver-envelope';

type FieldAnswer = FieldConfig;

export function defineFieldAdminResolvers(resolver: Resolver, platform: ForgePlatform, companion: CompanionClient) {
  const admin = (handler: Parameters<typeof adminOnly>[1]) => adminOnly(platform, handler);
  const hints = renderHintsStore(platform.kvs);

  resolver.define(
    'fields/list',
    admin(async (q) => {
      const list = await companion.request<{ fields: FieldAnswer[]; nextCursor?: string | null }>(
        'GET',
        `/v1/admin/fields${optionalQuery({ limit: q.limit as number, cursor: q.cursor as string })}`,
      );
      // Opening the admin page also heals hints written before a field changed elsewhere.
      await Promise.all(list.fields.map((f) => hints.save(f)));
      return list;
    }),
  );
  resolver.define('fields/get', admin((q) => companion.request('GET', p`/v1/admin/fields/${requireString(q, 'id')}`)));
  resolver.define(
    'fields/create',
    admin(async (q) => {
      const field = await companion.request<FieldAnswer>('POST', '/v1/admin/fields', requireObject(q, 'field'));
      await hints.save(field);
      return field;
    }),
  );
  resolver.define(
    'fields/update',
    admin(async (q) => {
      const field = await companion.request<FieldAnswer>('PUT', p`/v1/admin/fields/${requireString(q, 'id')}`, requireObject(q, 'field'));
      await hints.save(field);
      return field;
    }),
  );
  resolver.define(
    'fields/delete',
    admin(async (q) => {
      const id = requireString(q, 'id');
      const field = await companion.request<FieldAnswer>('GET', p`/v1/admin/fields/${id}`);
      await companion.request('DELETE', p`/v1/admin/fields/${id}`);
      await hints.remove(field.key);
      return { deleted: true };
    }),
  );
  // The configuration tester: evaluated query, raw result, options, timings; parents' values can
  // be overridden to try the dependency chain without an issue.
  resolver.define(
    'fields/preview',
    admin((q) =>
      companion.request('POST', p`/v1/admin/fields/${requireString(q, 'id')}/preview`, {
        ...(q.context ? { context: requireObject(q, 'context') } : {}),
        ...(typeof q.input === 'string' ? { input: q.input } : {}),
        ...(q.overrides ? { overrides: requireObject(q, 'overrides') } : {}),
      }),
    ),
  );
}
