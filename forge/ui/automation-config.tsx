// The configuration form of the Automation steps (manifest `action.config`): one input per declared
// input, each change handed to Automation with `view.submit` (Forge docs, "Maintaining configuration
// state"), starting from the inputs saved with the rule. Smart values such as {{issue.key}} are typed
// as text; Automation resolves them before the step runs.
import React, { useEffect, useState } from 'react';
import { view } from '@forge/bridge';
import { HelperMessage, Label, Select, Stack, Text, Textfield } from '@forge/react';

type Inputs = Record<string, string>;

interface ActionContext {
  moduleKey?: string;
  extension?: { data?: { inputs?: Inputs } };
}

const SET_STEP = 'set-connected-field';
const MATCH_BY = [
  { label: 'Option id', value: 'id' },
  { label: 'Display text', value: 'text' },
];

export function AutomationConfig() {
  const [context, setContext] = useState<ActionContext>();
  const [inputs, setInputs] = useState<Inputs>({});
  useEffect(() => {
    void view.getContext().then((c) => {
      const ctx = c as unknown as ActionContext;
      setContext(ctx);
      setInputs({ issueKey: '{{issue.key}}', ...(ctx.moduleKey === SET_STEP ? { matchBy: 'text' } : {}), ...(ctx.extension?.data?.inputs ?? {}) });
    });
  }, []);
  if (!context) return <Text>Loading…</Text>;
  const change = (name: string, value: string) => {
    const next = { ...inputs, [name]: value };
    setInputs(next);
    void view.submit(next);
  };
  const text = (name: string, label: string, help: string) => (
    <Stack space="space.050">
      <Label labelFor={name}>{label}</Label>
      <Textfield id={name} name={name} value={inputs[name] ?? ''} onChange={(e) => change(name, String(e.target.value ?? ''))} />
      <HelperMessage>{help}</HelperMessage>
    </Stack>
  );
  const setStep = context.moduleKey === SET_STEP;
  return (
    <Stack space="space.200">
      {text('issueKey', 'Work item key', 'Usually {{issue.key}}')}
      {setStep ? text('field', 'Field', 'The connected field id, e.g. customfield_10050') : text('fields', 'Fields', 'Connected field ids separated by commas; empty: all of them')}
      {setStep ? text('value', 'Value', 'An option id or its display text; a value that is not an option fails the step') : null}
      {setStep ? (
        <Stack space="space.050">
          <Label labelFor="matchBy">Match by</Label>
          <Select inputId="matchBy" options={MATCH_BY} value={MATCH_BY.find((o) => o.value === inputs.matchBy) ?? null} onChange={(o: { value: string } | null) => change('matchBy', o?.value ?? '')} />
        </Stack>
      ) : null}
    </Stack>
  );
}
