// Connected fields on the same screen tell each other about new values through Forge's app events,
// so a child refreshes (recalculates) as soon as its parent changes, before anything is saved.
import { events } from '@forge/bridge';
import type { StoredValue } from '../fields/field-value';

export const FIELD_CHANGED_EVENT = 'open-connect:field-changed';

export interface FieldChanged {
  fieldKey: string;
  value: StoredValue;
}

export const announceFieldChange = (change: FieldChanged) => events.emit(FIELD_CHANGED_EVENT, change);

export function onFieldChange(listener: (change: FieldChanged) => void): () => void {
  let unsubscribe: (() => void) | undefined;
  let stopped = false;
  void events.on(FIELD_CHANGED_EVENT, (payload?: FieldChanged) => payload && listener(payload)).then((subscription) => {
    if (stopped) subscription.unsubscribe();
    else unsubscribe = () => subscription.unsubscribe();
  });
  return () => {
    stopped = true;
    unsubscribe?.();
  };
}
