// The field UIs rendered with react-test-renderer, their bridge wired to the REAL field resolver,
// which reaches a real companion and a real REST datasource. Covers select, multiselect, read-only,
// snapshot storage, the parent-change flow with an invalid child flagged, saving, and the view
// rendering the stored value while the companion is down.
import './support/fake-bridge.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import React from 'react';
import { act, type ReactTestInstance, type ReactTestRenderer } from 'react-test-renderer';
import { bridge, resetBridge } from './support/fake-bridge.js';
import { byType, render, settle, textOf } from './support/render-ui.js';
import { callResolver } from './support/call-resolver.js';
import { platformState } from './support/forge-platform-state.js';
import { ISSUE, PROJECT, USER, startForgeTestEnv, type ForgeTestEnv } from './support/forge-test-env.js';
import { CITY_FIELD, COUNTRY_FIELD } from '../../scripts/demo/country-city-config.js';

vi.mock('@forge/api', async (importOriginal) => (await import('./support/forge-module-stubs.js')).forgeApiStub(await importOriginal()));
vi.mock('@forge/kvs', async () => ({ kvs: (await import('./support/forge-module-stubs.js')).kvsStub }));

const handlers = await import('../../src/index.js');
const { FieldEdit } = await import('../../forge/ui/field-edit.js');
const { FieldView } = await import('../../forge/ui/field-view.js');
const { announceFieldChange } = await import('../../forge/ui/field-change-events.js');

const MULTI_FIELD = 'customfield_10003';
const READONLY_FIELD = 'customfield_10004';
const SNAPSHOT_FIELD = 'customfield_10005';
const COMPUTED_FIELD = 'customfield_10006';

type SelectOption = { label: string; value: string };

function useField(fieldId: string, fieldValue: unknown = null) {
  const extension = { fieldId, fieldValue, issue: ISSUE, project: PROJECT, renderContext: 'issue-view' };
  bridge.context = { accountId: USER, extension };
  bridge.invoke = async (functionKey, payload) => callResolver(handlers.fieldResolver, 'field-resolver', functionKey, payload, { accountId: USER, extension });
}

const select = (r: ReactTestRenderer) => byType(r.root, 'Select')[0] as ReactTestInstance;
const optionsOf = (r: ReactTestRenderer) => (select(r).props.options as SelectOption[]).map((o) => o.label);
const choose = (r: ReactTestRenderer, labels: string[], multi = false) =>
  act(async () => {
    const chosen = (select(r).props.options as SelectOption[]).filter((o) => labels.includes(o.label));
    select(r).props.onChange(multi ? chosen : chosen[0]);
  });
const submit = (r: ReactTestRenderer) => act(async () => byType(r.root, 'CustomFieldEdit')[0]!.props.onSubmit());

describe('field editors through the real resolver', () => {
  let env: ForgeTestEnv;
  beforeAll(async () => {
    env = await startForgeTestEnv(handlers);
    const base = { datasourceId: env.config.datasource.id, query: 'GET /countries', resultPath: '$.countries[*]', idTemplate: '${row.code}', displayTemplate: '${row.name}' };
    // Each one creates its Jira field from the admin page, as an admin would; the site numbers them in order.
    const create = async (key: string, field: Record<string, unknown>) => {
      const created = await env.admin<{ key: string }>('fields/create', { jiraField: { create: true }, field: { ...base, ...field } });
      expect(created.key).toBe(key);
    };
    await create(MULTI_FIELD, { name: 'Markets', editor: 'multiselect', storage: 'object' });
    await create(READONLY_FIELD, { name: 'Capital-ish', editor: 'readonly', storage: 'object', query: `GET /cities?country=$issue.${COUNTRY_FIELD}.id`, resultPath: '$.cities[*]', idTemplate: '${row.id}' });
    await create(SNAPSHOT_FIELD, { name: 'Origin', editor: 'select', storage: 'snapshot' });
    await create(COMPUTED_FIELD, { name: 'Default country', editor: 'readonly', storage: 'object' });
  });
  afterAll(async () => env?.close());
  beforeEach(async () => {
    await env.reset();
    resetBridge({}, bridge.invoke);
  });

  it('select: shows the companion options and saves an object value', async () => {
    useField(COUNTRY_FIELD);
    const r = await render(<FieldEdit />);
    await settle(r, () => byType(r.root, 'Select').length > 0 && optionsOf(r).length === 3);
    expect(optionsOf(r)).toEqual(['France', 'Germany', 'Japan']);
    await choose(r, ['Germany']);
    await submit(r);
    expect(bridge.submitted).toEqual([{ id: 'DE', value: 'Germany' }]);
  });

  it('multiselect: saves {ids, values}', async () => {
    useField(MULTI_FIELD);
    const r = await render(<FieldEdit />);
    await settle(r, () => byType(r.root, 'Select').length > 0 && optionsOf(r).length === 3);
    expect(select(r).props.isMulti).toBe(true);
    await choose(r, ['France', 'Japan'], true);
    await submit(r);
    expect(bridge.submitted).toEqual([{ ids: ['FR', 'JP'], values: ['France', 'Japan'] }]);
  });

  it('snapshot storage: saves the display string only', async () => {
    useField(SNAPSHOT_FIELD);
    const r = await render(<FieldEdit />);
    await settle(r, () => byType(r.root, 'Select').length > 0 && optionsOf(r).length === 3);
    await choose(r, ['Japan']);
    await submit(r);
    expect(bridge.submitted).toEqual(['Japan']);
  });

  it('parent change: the child recalculates, its stale value is flagged and cannot be saved until fixed', async () => {
    useField(CITY_FIELD, { id: 'ber', value: 'Berlin' });
    const child = await render(<FieldEdit />);
    await settle(child, () => byType(child.root, 'Select').length > 0);
    useField(COUNTRY_FIELD);
    const parent = await render(<FieldEdit />);
    await settle(parent, () => byType(parent.root, 'Select').length > 0 && optionsOf(parent).length === 3);

    await choose(parent, ['France']);
    expect(bridge.emitted.at(-1)).toEqual({ event: 'open-connect:field-changed', payload: { fieldKey: COUNTRY_FIELD, value: { id: 'FR', value: 'France' } } });
    await settle(child, () => byType(child.root, 'ErrorMessage').length > 0);
    expect(optionsOf(child)).toEqual(['Paris', 'Lyon']);
    expect(select(child).props.isInvalid).toBe(true);
    expect(textOf(child)).toContain('"Berlin" is not valid any more');
    expect(bridge.emitted.at(-1)).toEqual({ event: 'open-connect:field-changed', payload: { fieldKey: CITY_FIELD, value: null } });
    const recalc = bridge.invocations.find((i) => i.functionKey === 'field/recalculate');
    expect(recalc?.payload).toEqual({ changed: [COUNTRY_FIELD], fields: { [COUNTRY_FIELD]: { id: 'FR', value: 'France' }, [CITY_FIELD]: { id: 'ber', value: 'Berlin' } } });

    await submit(child);
    expect(bridge.submitted).toEqual([]);
    await choose(child, ['Paris']);
    expect(select(child).props.isInvalid).toBe(false);
    await submit(child);
    expect(bridge.submitted).toEqual([{ id: 'par', value: 'Paris' }]);
  });

  it('readonly: shows the value computed from its parent and saves it', async () => {
    useField(READONLY_FIELD);
    const r = await render(<FieldEdit />);
    await settle(r, () => byType(r.root, 'Label').length > 0);
    expect(byType(r.root, 'Select')).toHaveLength(0);
    // The listener is registered once the render hints arrived; then the parent announces a value.
    await settle(r, () => (bridge.listeners.get('open-connect:field-changed')?.size ?? 0) > 0);
    await act(async () => announceFieldChange({ fieldKey: COUNTRY_FIELD, value: { id: 'DE', value: 'Germany' } }));
    await settle(r, () => textOf(r).includes('Berlin'));
    // It passes its computed value on to its own children.
    expect(bridge.emitted.at(-1)).toEqual({ event: 'open-connect:field-changed', payload: { fieldKey: READONLY_FIELD, value: { id: 'ber', value: 'Berlin' } } });
    await submit(r);
    expect(bridge.submitted).toEqual([{ id: 'ber', value: 'Berlin' }]);
  });

  it('readonly without parents: shows the computed value at once and saves it', async () => {
    useField(COMPUTED_FIELD);
    const r = await render(<FieldEdit />);
    await settle(r, () => textOf(r).includes('France'));
    expect(byType(r.root, 'Select')).toHaveLength(0);
    await submit(r);
    expect(bridge.submitted).toEqual([{ id: 'FR', value: 'France' }]);
  });

  it('explains an unconfigured field instead of failing', async () => {
    useField('customfield_19999');
    const r = await render(<FieldEdit />);
    await settle(r, () => textOf(r).includes('not configured'));
    expect(byType(r.root, 'Select')).toHaveLength(0);
  });

  it('view: renders the stored value from Forge storage hints while the companion is down', async () => {
    platformState.companionUrl = 'http://127.0.0.1:1';
    useField(CITY_FIELD, { id: 'par', value: 'Paris' });
    const single = await render(<FieldView />);
    await settle(single, () => bridge.invocations.length > 0 && textOf(single).includes('Paris'));
    useField(MULTI_FIELD, { ids: ['FR', 'JP'], values: ['France', 'Japan'] });
    const multi = await render(<FieldView />);
    await settle(multi, () => byType(multi.root, 'Tag').length === 2);
    expect(byType(multi.root, 'Tag').map((t) => t.props.text)).toEqual(['France', 'Japan']);
    useField(SNAPSHOT_FIELD, 'Japan');
    const snapshot = await render(<FieldView />);
    await settle(snapshot, () => textOf(snapshot).includes('Japan'));
    expect(bridge.invocations.map((i) => i.functionKey)).toEqual(['field/renderHints', 'field/renderHints', 'field/renderHints']);
    expect(platformState.remoteCalls).toEqual([]);
  });
});
