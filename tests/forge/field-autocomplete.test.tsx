// The autocomplete editor asks for options only once typing pauses (debounced), with what was typed.
// Fake timers drive the debounce; the bridge answers like the field resolver, from the sample data.
import './support/fake-bridge.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import React from 'react';
import { act, type ReactTestRenderer } from 'react-test-renderer';
import { bridge, resetBridge } from './support/fake-bridge.js';
import { byType, render, settle } from './support/render-ui.js';
import { COUNTRIES } from '../../scripts/demo/sample-rest-datasource.js';

const { FieldEdit } = await import('../../forge/ui/field-edit.js');
const { AUTOCOMPLETE_DEBOUNCE_MS } = await import('../../forge/ui/use-debounced-callback.js');

const FIELD = 'customfield_10020';
const hints = { fieldId: 'f-1', fieldKey: FIELD, name: 'Country', editor: 'autocomplete', storage: 'object', dependsOn: [], updatedAt: '2026-11-27T00:00:00Z' };

async function fieldResolverStandIn(functionKey: string, payload: Record<string, unknown>) {
  if (functionKey === 'field/renderHints') return { ok: true, data: hints };
  if (functionKey === 'field/options') {
    const input = String(payload.input ?? '').toLowerCase();
    const options = COUNTRIES.filter((c) => c.name.toLowerCase().includes(input)).map((c) => ({ id: c.code, value: c.name }));
    return { ok: true, data: { options, nextCursor: null, cache: 'miss' } };
  }
  return { ok: false, error: { status: 404, code: 'not_found', message: functionKey } };
}

const optionCalls = () => bridge.invocations.filter((i) => i.functionKey === 'field/options');
const select = (r: ReactTestRenderer) => byType(r.root, 'Select')[0]!;

describe('autocomplete editor', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    resetBridge({ accountId: 'u-1', extension: { fieldId: FIELD, fieldValue: null } }, fieldResolverStandIn);
  });
  afterEach(() => vi.useRealTimers());

  it('queries once the user pauses, with the latest text, and saves the choice', async () => {
    const r = await render(<FieldEdit />);
    await settle(r, () => byType(r.root, 'Select').length > 0);
    expect(select(r).props.onInputChange).toBeTypeOf('function');
    expect(optionCalls()).toEqual([]); // nothing is fetched before the user types

    await act(async () => {
      for (const text of ['J', 'Ja', 'Jap']) select(r).props.onInputChange(text);
    });
    await act(async () => {
      vi.advanceTimersByTime(AUTOCOMPLETE_DEBOUNCE_MS - 1);
    });
    expect(optionCalls()).toEqual([]);
    await act(async () => {
      vi.advanceTimersByTime(1);
    });
    expect(optionCalls()).toEqual([{ functionKey: 'field/options', payload: { fieldKey: FIELD, fields: {}, input: 'Jap' } }]);
    await settle(r, () => (select(r).props.options as unknown[]).length === 1);
    expect(select(r).props.options).toEqual([{ label: 'Japan', value: 'JP' }]);

    await act(async () => select(r).props.onChange({ label: 'Japan', value: 'JP' }));
    await act(async () => byType(r.root, 'CustomFieldEdit')[0]!.props.onSubmit());
    expect(bridge.submitted).toEqual([{ id: 'JP', value: 'Japan' }]);
  });

  it('keeps the answer to the latest text when answers arrive out of order', async () => {
    const pending: Array<() => void> = [];
    bridge.invoke = (key, payload) =>
      key === 'field/options' ? new Promise((resolve) => pending.push(() => resolve(fieldResolverStandIn(key, payload)))) : fieldResolverStandIn(key, payload);
    const r = await render(<FieldEdit />);
    await settle(r, () => byType(r.root, 'Select').length > 0);
    for (const text of ['Ja', 'Fr']) {
      await act(async () => select(r).props.onInputChange(text));
      await act(async () => {
        vi.advanceTimersByTime(AUTOCOMPLETE_DEBOUNCE_MS);
      });
    }
    expect(optionCalls().map((c) => c.payload.input)).toEqual(['Ja', 'Fr']);
    await act(async () => pending[1]!()); // "Fr" answers first…
    await settle(r, () => (select(r).props.options as unknown[]).length === 1);
    await act(async () => pending[0]!()); // …then the stale "Ja"
    await settle(r, () => select(r).props.isLoading === false);
    expect(select(r).props.options).toEqual([{ label: 'France', value: 'FR' }]);
  });

  it('shows the error the resolver reports', async () => {
    bridge.invoke = async (key, payload) =>
      key === 'field/options' ? { ok: false, error: { status: 502, code: 'upstream', message: 'Sample REST service answered 500' } } : fieldResolverStandIn(key, payload);
    const r = await render(<FieldEdit />);
    await settle(r, () => byType(r.root, 'Select').length > 0);
    await act(async () => select(r).props.onInputChange('x'));
    await act(async () => {
      vi.advanceTimersByTime(AUTOCOMPLETE_DEBOUNCE_MS);
    });
    await settle(r, () => byType(r.root, 'ErrorMessage').length > 0);
    expect(byType(r.root, 'ErrorMessage')[0]!.props.children).toBe('Sample REST service answered 500');
  });
});
