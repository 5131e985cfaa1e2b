// Admin page → companion, connected fields: CRUD and the configuration tester (preview). Every saved
// configuration refreshes the field's render hints in Forge storage, so the field UIs follow. Each
// configuration is bound to a Jira field of one of the app's field types, which the admin either has
// created here or picks from the site's fields of those types: its Jira id becomes the key, and
// nobody types a customfield_ id.
import type { Request } from '@forge/resolver';
import type { Resolver } from './resolver-class';
import { companionPath as p, type CompanionClient } from '../companion/companion-client';
import { JiraRequestError, type ForgePlatform } from '../platform/forge-platform';
import { renderHintsStore, type EditorKind, type FieldConfig, type StorageKind } from '../fields/render-hints-store';
import { fieldTypeFor, fieldTypeId, fieldTypeOf, type FieldTypeKey } from '../fields/field-types';
import { adminOnly, type AdminHandler } from './admin-guard';
import { optionalQuery, refuse, requireObject, requireString } from './resolver-envelope';

type FieldAnswer = FieldConfig;

export interface ConnectedJiraField {
  id: string;
  name: string;
  type: FieldTypeKey;
}

/** The site's Jira fields of the app's own types (read as the admin). */
async function connectedJiraFields(platform: ForgePlatform, request: Request): Promise<ConnectedJiraField[]> {
  const all = await asRefusal(() => platform.jiraFields.list());
  return all.flatMap((f) => {
    const type = fieldTypeOf(f.schema?.custom, request.context.localId);
    return type ? [{ id: f.id, name: f.name, type }] : [];
  });
}

async function asRefusal<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof JiraRequestError) throw refuse.badRequest(`Jira refused: ${error.message}`);
    throw error;
  }
}

/**
 * The Jira field a new configuration is for: `{create: true}` creates one of the type its storage
 * and editor need, named like the configuration; `{id}` must be a site field of exactly that type.
 */
async function jiraFieldFor(platform: ForgePlatform, request: Request, field: Record<string, unknown>, choice: Record<string, unknown>): Promise<string> {
  const type = fieldTypeFor(field.storage as StorageKind, field.editor as EditorKind);
  if (choice.create === true) {
    const typeId = fieldTypeId(request.context.localId, type);
    if (!typeId) throw refuse.badRequest('This module context does not say which app it belongs to, so no field can be created');
    const name = typeof field.name === 'string' && field.name.trim() ? field.name.trim().slice(0, 255) : undefined;
    if (!name) throw refuse.badRequest('name is required');
    const created = await asRefusal(() => platform.jiraFields.create({ name, description: 'Connected field: options from open-connect', type: typeId }));
    return created.id;
  }
  const id = requireString(choice, 'id', 40);
  const found = (await connectedJiraFields(platform, request)).find((f) => f.id === id);
  if (!found) throw refuse.badRequest(`${id} is not a connected field of this site: create one, or pick one of the connected fields`);
  if (found.type !== type) throw refuse.badRequest(`${found.name} is a field of type ${found.type}; this configuration needs ${type}`);
  return id;
}

export function defineFieldAdminResolvers(resolver: Resolver, platform: ForgePlatform, companion: CompanionClient) {
  const admin = (handler: AdminHandler) => adminOnly(platform, companion, handler);
  const hints = renderHintsStore(platform.kvs);

  resolver.define(
    'fields/list',
    admin(async (q, companion) => {
      const list = await companion.request<{ fields: FieldAnswer[]; nextCursor?: string | null }>(
        'GET',
        `/v1/admin/fields${optionalQuery({ limit: q.limit as number, cursor: q.cursor as string })}`,
      );
      // Opening the admin page also heals hints written before a field changed elsewhere.
      await Promise.all(list.fields.map((f) => hints.save(f)));
      return list;
    }),
  );
  resolver.define('fields/get', admin((q, companion) => companion.request('GET', p`/v1/admin/fields/${requireString(q, 'id')}`)));
  resolver.define('jiraFields/list', admin(async (_q, _companion, request) => ({ fields: await connectedJiraFields(platform, request) })));
  resolver.define(
    'fields/create',
    admin(async (q, companion, request) => {
      const body = requireObject(q, 'field');
      const key = await jiraFieldFor(platform, request, body, requireObject(q, 'jiraField'));
      const field = await companion.request<FieldAnswer>('POST', '/v1/admin/fields', { ...body, key });
      await hints.save(field);
      return field;
    }),
  );
  resolver.define(
    'fields/update',
    admin(async (q, companion) => {
      const id = requireString(q, 'id');
      // The binding to the Jira field never changes: the stored key wins over anything sent.
      const stored = await companion.request<FieldAnswer>('GET', p`/v1/admin/fields/${id}`);
      const body = requireObject(q, 'field');
      const wanted = fieldTypeFor((body.storage ?? stored.storage) as StorageKind, (body.editor ?? stored.editor) as EditorKind);
      if (wanted !== fieldTypeFor(stored.storage, stored.editor)) {
        throw refuse.badRequest(`${stored.key} is a field of type ${fieldTypeFor(stored.storage, stored.editor)}; a ${wanted} needs a new connected field`);
      }
      const field = await companion.request<FieldAnswer>('PUT', p`/v1/admin/fields/${id}`, { ...body, key: stored.key });
      await hints.save(field);
      return field;
    }),
  );
  resolver.define(
    'fields/delete',
    admin(async (q, companion) => {
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
    admin((q, companion) =>
      companion.request('POST', p`/v1/admin/fields/${requireString(q, 'id')}/preview`, {
        ...(q.context ? { context: requireObject(q, 'context') } : {}),
        ...(typeof q.input === 'string' ? { input: q.input } : {}),
        ...(q.overrides ? { overrides: requireObject(q, 'overrides') } : {}),
      }),
    ),
  );
}
