// The field editor when a datasource is too slow: a real upstream that stalls, a real companion, the
// real field resolver. The editor says which datasource was too slow and offers to try again; when
// the companion answers from its cache instead, the options are shown and marked as possibly old.
import './support/fake-bridge.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import React from 'react';
import { act, type ReactTestInstance, type ReactTestRenderer } from 'react-test-renderer';
import { bridge, resetBridge } from './support/fake-bridge.js';
import { byType, render, settle, textOf } from './support/render-ui.js';
import { callResolver } from './support/call-resolver.js';
import { ISSUE, PROJECT, USER, startForgeTestEnv, type ForgeTestEnv } from './support/forge-test-env.js';
import { startSampleUpstream, type SampleUpstream } from '../helpers/sample-upstream.js';

vi.mock('@forge/api', async (importOriginal) => (await import('./support/forge-module-stubs.js')).forgeApiStub(await importOriginal()));
vi.mock('@forge/kvs', async () => ({ kvs: (await import('./support/forge-module-stubs.js')).kvsStub }));

const handlers = await import('../../src/index.js');
const { FieldEdit } = await import('../../forge/ui/field-edit.js');

let slowField = '';

function openField() {
  const extension = { fieldId: slowField, fieldValue: null, issue: ISSUE, project: PROJECT, renderContext: 'issue-view' };
  bridge.context = { accountId: USER, extension };
  bridge.invoke = async (functionKey, payload) => callResolver(handlers.fieldResolver, 'field-resolver', functionKey, payload, { accountId: USER, extension });
  return render(<FieldEdit />);
}
/** `settle` counts event-loop turns; these waits include a 1 s upstream timeout, so allow many more. */
const settleLong = (r: ReactTestRenderer, done: (root: ReactTestInstance) => boolean) => settle(r, done, 2_000_000);
const sectionTitles = (r: ReactTestRenderer) => byType(r.root, 'SectionMessage').map((s) => s.props.title as string);
const optionLabels = (r: ReactTestRenderer) => ((byType(r.root, 'Select')[0]?.props.options ?? []) as Array<{ label: string }>).map((o) => o.label);

describe('a field whose datasource is too slow', () => {
  let env: ForgeTestEnv;
  let up: SampleUpstream;
  beforeAll(async () => {
    env = await startForgeTestEnv(handlers);
    up = await startSampleUpstream();
    // Its own timeout is 1 s: a stalled answer is "too slow" quickly, with the companion's 504.
    const ds = await env.admin<{ id: string }>('datasources/create', {
      datasource: { name: 'Slow CRM', type: 'rest', config: { baseUrl: up.url, auth: { mode: 'none' } }, timeoutMs: 1000, cacheTtlSeconds: 60 },
    });
    // The admin page creates the Jira field; its id is the configuration's key.
    slowField = (await env.admin<{ key: string }>('fields/create', {
      jiraField: { create: true },
      field: { name: 'Customer', datasourceId: ds.id, editor: 'select', storage: 'object', query: '/customers?country=DE', resultPath: '$.customers[*]', idTemplate: '${row.id}', displayTemplate: '${row.name}' },
    })).key;
  });
  afterAll(async () => {
    await up?.close();
    await env?.close();
  });
  beforeEach(async () => {
    await env.reset();
    resetBridge({}, bridge.invoke);
    up.reset();
  });

  it('says the datasource was too slow, names it, and loads the options when tried again', async () => {
    up.stallMs = 5_000;
    const r = await openField();
    await settleLong(r, () => sectionTitles(r).length > 0);
    expect(sectionTitles(r)).toEqual(['The datasource was too slow']);
    expect(textOf(r)).toContain('Datasource "Slow CRM" did not answer within 1000 ms');
    expect(textOf(r)).toMatch(/try again in a moment/i);
    expect(byType(r.root, 'ErrorMessage')).toHaveLength(0);

    up.stallMs = 0;
    const retry = byType(r.root, 'Button').find((b) => b.props.children === 'Try again') as ReactTestInstance;
    await act(async () => retry.props.onClick());
    await settleLong(r, () => optionLabels(r).length > 0 && sectionTitles(r).length === 0);
    expect(optionLabels(r)).toContain('Acme Labs Ltd');
  }, 30_000);

  it('shows the last good options, marked as possibly out of date, when the datasource fails after they were cached', async () => {
    const fresh = await openField();
    await settleLong(fresh, () => optionLabels(fresh).length > 0);
    const shown = optionLabels(fresh);
    expect(sectionTitles(fresh)).toEqual([]);

    env.companion.clock.advance(61_000); // past the field's TTL
    up.stallMs = 5_000;
    const later = await openField();
    await settleLong(later, () => sectionTitles(later).length > 0);
    expect(sectionTitles(later)).toEqual(['These options may be out of date']);
    expect(optionLabels(later)).toEqual(shown);
  }, 30_000);
});
