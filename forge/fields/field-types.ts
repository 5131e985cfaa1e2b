// The app's connected field TYPES (manifest `jira:customFieldType`) and how a configuration's storage
// and editor choose one. Jira names a type `ari:cloud:ecosystem::extension/<app>/<environment>/static/<key>`;
// Forge's docs say to build it from the `localId` in the module's context, which has that very shape
// with the invoked module's key at the end.
import type { EditorKind, StorageKind } from './render-hints-store';

export const FIELD_TYPE_KEYS = {
  object: 'open-connect-object-field',
  snapshot: 'open-connect-snapshot-field',
  snapshotList: 'open-connect-snapshot-list-field',
} as const;
export type FieldTypeKey = (typeof FIELD_TYPE_KEYS)[keyof typeof FIELD_TYPE_KEYS];

const LOCAL_ID = /^(ari:cloud:ecosystem::extension\/[0-9a-zA-Z-]+\/[0-9a-zA-Z-]+\/static\/)[A-Za-z0-9_-]+$/;

/** The Jira type id of one of our field types, from the calling module's localId; undefined if it has another shape. */
export function fieldTypeId(localId: unknown, key: FieldTypeKey): string | undefined {
  const match = typeof localId === 'string' ? LOCAL_ID.exec(localId) : null;
  return match ? `${match[1]}${key}` : undefined;
}

/** Object storage: the object type whatever the editor; snapshot: the list type for a multiselect. */
export function fieldTypeFor(storage: StorageKind, editor: EditorKind): FieldTypeKey {
  if (storage === 'object') return FIELD_TYPE_KEYS.object;
  return editor === 'multiselect' ? FIELD_TYPE_KEYS.snapshotList : FIELD_TYPE_KEYS.snapshot;
}

/** Which of our types a Jira field has (its `schema.custom` is the type id), if any. */
export function fieldTypeOf(schemaCustom: string | undefined, localId: unknown): FieldTypeKey | undefined {
  return Object.values(FIELD_TYPE_KEYS).find((key) => schemaCustom !== undefined && schemaCustom === fieldTypeId(localId, key));
}
