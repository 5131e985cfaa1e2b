// The Automation steps' configuration form (UI Kit, react-test-renderer): it starts from the inputs
// saved with the rule and hands every change to Automation with view.submit, with exactly the
// inputs the manifest declares for that step.
import './support/fake-bridge.js';
import { describe, expect, it } from 'vitest';
import React from 'react';
import { act } from 'react-test-renderer';
import { bridge, resetBridge } from './support/fake-bridge.js';
import { byType, render, settle } from './support/render-ui.js';

const { AutomationConfig } = await import('../../forge/ui/automation-config.js');
const fieldNamed = (r: Awaited<ReturnType<typeof render>>, name: string) => byType(r.root, 'Textfield').find((t) => t.props.name === name)!;

describe('Automation step configuration', () => {
  it('"Set connected field": starts from the saved inputs and submits each change', async () => {
    resetBridge({ moduleKey: 'set-connected-field', extension: { data: { inputs: { issueKey: '{{issue.key}}', field: 'customfield_10001', value: 'France', matchBy: 'text' } } } }, async () => null);
    const r = await render(<AutomationConfig />);
    await settle(r, () => byType(r.root, 'Textfield').length === 3);
    expect(fieldNamed(r, 'value').props.value).toBe('France');
    await act(async () => fieldNamed(r, 'value').props.onChange({ target: { value: 'FR' } }));
    await act(async () => byType(r.root, 'Select')[0]!.props.onChange({ value: 'id' }));
    expect(bridge.submitted.at(-1)).toEqual({ issueKey: '{{issue.key}}', field: 'customfield_10001', value: 'FR', matchBy: 'id' });
  });

  it('"Refresh connected fields": a work item and an optional list of fields', async () => {
    resetBridge({ moduleKey: 'refresh-connected-fields', extension: { data: {} } }, async () => null);
    const r = await render(<AutomationConfig />);
    await settle(r, () => byType(r.root, 'Textfield').length === 2);
    expect(byType(r.root, 'Select')).toHaveLength(0);
    await act(async () => fieldNamed(r, 'fields').props.onChange({ target: { value: 'customfield_10001, customfield_10002' } }));
    expect(bridge.submitted.at(-1)).toEqual({ issueKey: '{{issue.key}}', fields: 'customfield_10001, customfield_10002' });
  });
});
