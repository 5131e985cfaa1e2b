// Render hints: the non-secret slice of a field's configuration that the field UIs need (its name,
// editor, storage and parents), kept in Forge storage. The field view renders from these and the
// stored value alone, so it keeps working while the companion is down. Refreshed by the admin
// resolvers whenever a field's configuration is saved or listed.
import type { KeyValueStore } from '../platform/forge-platform';

export type EditorKind = 'select' | 'multiselect' | 'autocomplete' | 'readonly';
export type StorageKind = 'snapshot' | 'object';

export interface RenderHints {
  fieldId: string;
  fieldKey: string;
  name: string;
  editor: EditorKind;
  storage: StorageKind;
  /** The connected fields this one's query references (by key), i.e. its parents. */
  dependsOn: string[];
  updatedAt: string;
}

/** The parts of a companion field answer that render hints are made from. */
export interface FieldConfig {
  id: string;
  key: string;
  name: string;
  editor: EditorKind;
  storage: StorageKind;
  dependsOn?: string[];
  updatedAt?: string;
}

const keyFor = (fieldKey: string) => `render-hints:${fieldKey}`;

export function renderHintsStore(store: KeyValueStore) {
  return {
    get: (fieldKey: string) => store.get<RenderHints>(keyFor(fieldKey)),
    async save(field: FieldConfig): Promise<RenderHints> {
      const hints: RenderHints = {
        fieldId: field.id,
        fieldKey: field.key,
        name: field.name,
        editor: field.editor,
        storage: field.storage,
        dependsOn: field.dependsOn ?? [],
        updatedAt: field.updatedAt ?? new Date().toISOString(),
      };
      await store.set(keyFor(field.key), hints);
      return hints;
    },
    remove: (fieldKey: string) => store.delete(keyFor(fieldKey)),
  };
}
