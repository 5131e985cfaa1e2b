// The state of one connected field's editor: its render hints, the options the companion offers for
// this issue (as the user types, for autocomplete), the selection, and what happens when a parent
// changes: the companion recalculates this field and a value that no longer fits is flagged. When a
// datasource was too slow for the time a Jira request has, that is said plainly (`slow`), and
// options the companion could only answer from its cache are marked as possibly out of date.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Option } from '../../companion/contract/index';
import type { RenderHints } from '../fields/render-hints-store';
import { isAmong, selectedOptions, toStoredValue, type StoredValue } from '../fields/field-value';
import { callResolver, isTooSlow, messageOf } from './resolver-call';
import { announceFieldChange, onFieldChange } from './field-change-events';
import { AUTOCOMPLETE_DEBOUNCE_MS, useDebouncedCallback } from './use-debounced-callback';

interface Recalculated {
  fields: Array<{ id: string; key: string; options: Option[]; valueValid: boolean }>;
}

export interface ConnectedFieldState {
  hints: RenderHints | null | undefined;
  options: Option[];
  selected: Option[];
  loading: boolean;
  error: string | undefined;
  /** Set when the value no longer fits what the parents now allow. */
  invalid: string | undefined;
  /** Set when a datasource (or Jira) did not answer in time: the companion's message naming it. */
  slow: string | undefined;
  /** The options are the last good ones the companion had: the datasource failed just now. */
  stale: boolean;
  select(options: Option[]): void;
  search(text: string): void;
  /** Asks for the options again (after `slow` or an error). */
  retry(): void;
  storedValue(): StoredValue;
}

type OptionsAnswer = { options: Option[]; cache?: string };

export function useConnectedField(fieldKey: string | undefined, initialValue: unknown): ConnectedFieldState {
  const [hints, setHints] = useState<RenderHints | null>();
  const [options, setOptions] = useState<Option[]>([]);
  const [selected, setSelected] = useState<Option[]>(() => selectedOptions(initialValue));
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();
  const [invalid, setInvalid] = useState<string>();
  const [slow, setSlow] = useState<string>();
  const [stale, setStale] = useState(false);
  const lastInput = useRef<string | undefined>(undefined);
  // Parent values seen on this screen, sent along so the companion need not read them from Jira.
  const parentValues = useRef<Record<string, StoredValue>>({});
  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  // Options answers can arrive out of order (typing, a parent change): only the latest one counts.
  const generation = useRef(0);

  const storedValue = useCallback(() => toStoredValue(hints?.storage ?? 'object', hints?.editor === 'multiselect', selectedRef.current), [hints]);

  /** What a failed options call means for the editor: too slow is told apart from other failures. */
  const failed = useCallback((e: unknown) => {
    if (isTooSlow(e)) {
      setSlow(messageOf(e));
      setError(undefined);
    } else {
      setError(messageOf(e));
      setSlow(undefined);
    }
  }, []);
  const answered = useCallback((answer: OptionsAnswer) => {
    setOptions(answer.options);
    setStale(answer.cache === 'stale');
    setError(undefined);
    setSlow(undefined);
  }, []);

  const loadOptions = useCallback(
    async (input?: string) => {
      if (!fieldKey) return;
      const mine = ++generation.current;
      lastInput.current = input;
      setLoading(true);
      try {
        const answer = await callResolver<OptionsAnswer>('field/options', {
          fieldKey,
          fields: parentValues.current,
          ...(input !== undefined ? { input } : {}),
        });
        if (mine !== generation.current) return;
        answered(answer);
      } catch (e) {
        if (mine === generation.current) failed(e);
      } finally {
        if (mine === generation.current) setLoading(false);
      }
    },
    [fieldKey, answered, failed],
  );

  useEffect(() => {
    if (!fieldKey) return;
    callResolver<RenderHints | null>('field/renderHints', { fieldKey })
      .then(setHints)
      .catch((e) => {
        setHints(null);
        setError(messageOf(e));
      });
  }, [fieldKey]);

  // Select and multiselect show every option up front; autocomplete waits for typing; read-only
  // fields are computed, so they load too.
  useEffect(() => {
    if (hints && hints.editor !== 'autocomplete') void loadOptions();
  }, [hints, loadOptions]);

  // A read-only field without a value yet takes the first option the companion computes.
  useEffect(() => {
    if (hints?.editor === 'readonly' && selectedRef.current.length === 0 && options.length > 0) {
      selectedRef.current = options.slice(0, 1);
      setSelected(selectedRef.current);
    }
  }, [hints, options]);

  useEffect(() => {
    if (!hints || !fieldKey || hints.dependsOn.length === 0) return;
    return onFieldChange(async (change) => {
      if (!hints.dependsOn.includes(change.fieldKey)) return;
      parentValues.current = { ...parentValues.current, [change.fieldKey]: change.value };
      const mineGeneration = ++generation.current;
      setLoading(true);
      try {
        const current = toStoredValue(hints.storage, hints.editor === 'multiselect', selectedRef.current);
        const answer = await callResolver<Recalculated>('field/recalculate', {
          changed: [change.fieldKey],
          fields: { ...parentValues.current, [fieldKey]: current },
        });
        const mine = answer.fields.find((f) => f.key === fieldKey);
        if (!mine || mineGeneration !== generation.current) return;
        answered({ options: mine.options });
        // This field's own children hear about it in turn, so a chain recalculates level by level.
        const announce = (value: StoredValue) => void announceFieldChange({ fieldKey, value });
        if (hints.editor === 'readonly') {
          // A read-only field is computed from its parents: it takes the first option.
          const computed = mine.options.slice(0, 1);
          setSelected(computed);
          selectedRef.current = computed;
          setInvalid(undefined);
          announce(toStoredValue(hints.storage, false, computed));
        } else if (selectedRef.current.length > 0 && (!mine.valueValid || !isAmong(selectedRef.current, mine.options, hints.storage))) {
          const shown = selectedRef.current.map((o) => o.value).join(', ');
          setInvalid(`"${shown}" is not valid any more for the values this field depends on; pick again`);
          announce(null); // as the companion does: an invalid parent value counts as empty
        } else setInvalid(undefined);
      } catch (e) {
        if (mineGeneration === generation.current) failed(e);
      } finally {
        if (mineGeneration === generation.current) setLoading(false);
      }
    });
  }, [hints, fieldKey, answered, failed]);

  const debouncedSearch = useDebouncedCallback((text: string) => void loadOptions(text), AUTOCOMPLETE_DEBOUNCE_MS);

  const select = useCallback(
    (chosen: Option[]) => {
      setSelected(chosen);
      selectedRef.current = chosen;
      setInvalid(undefined);
      if (fieldKey && hints) void announceFieldChange({ fieldKey, value: toStoredValue(hints.storage, hints.editor === 'multiselect', chosen) });
    },
    [fieldKey, hints],
  );

  const retry = useCallback(() => void loadOptions(lastInput.current), [loadOptions]);

  return { hints, options, selected, loading, error, invalid, slow, stale, select, search: debouncedSearch, retry, storedValue };
}
