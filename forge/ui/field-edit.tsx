// The connected field's edit experience (issue view, create, transition, bulk edit): a select,
// multiselect, autocomplete or read-only display fed by the companion, saved in the DESIGN.md value
// shapes. In bulk edit (no single issue) the value is first checked against each selected issue's
// options and their dependents recalculated (`field/bulkApply`); it is submitted only if every issue
// takes it.
import React, { useState } from 'react';
import { Button, ErrorMessage, Label, SectionMessage, Select, Stack, Text } from '@forge/react';
import { CustomFieldEdit } from '@forge/react/jira';
import { view } from '@forge/bridge';
import type { Option } from '../../companion/contract/index';
import { useForgeContext } from './use-forge-context';
import { useConnectedField } from './use-connected-field';
import { callResolver, messageOf } from './resolver-call';

interface SelectOption {
  label: string;
  value: string;
}

const toSelect = (o: Option): SelectOption => ({ label: o.value, value: o.id });
const fromSelect = (o: SelectOption): Option => ({ id: o.value, value: o.label });

export function FieldEdit() {
  const { context, error } = useForgeContext();
  if (error) return <SectionMessage appearance="error"><Text>{error}</Text></SectionMessage>;
  if (!context) return <Text>Loading…</Text>;
  // Mounted once the context is known, so the editor starts from the value Jira holds.
  const bulk = context.extension.renderContext === 'issue-bulk-edit';
  return <ConnectedFieldEditor fieldKey={context.extension.fieldId} value={context.extension.fieldValue} bulk={bulk} />;
}

interface BulkAnswer {
  applied: boolean;
  problems: Array<{ issueKey: string; message: string }>;
}

function ConnectedFieldEditor({ fieldKey, value, bulk }: { fieldKey: string | undefined; value: unknown; bulk: boolean }) {
  const field = useConnectedField(fieldKey, value);
  const [bulkRefused, setBulkRefused] = useState<string>();
  if (field.hints === undefined) return <Text>Loading…</Text>;
  const { hints } = field;
  if (!hints) {
    return (
      <SectionMessage appearance="warning">
        <Text>This field is not configured in open-connect yet. An administrator can set it up on the open-connect admin page.</Text>
      </SectionMessage>
    );
  }

  const submit = async () => {
    if (field.invalid) return; // The flagged value must be fixed before it is saved.
    if (bulk) {
      try {
        const answer = await callResolver<BulkAnswer>('field/bulkApply', { fieldKey: hints.fieldKey, value: field.storedValue() });
        if (!answer.applied) {
          setBulkRefused(`Not an option for ${answer.problems.map((p) => `${p.issueKey} (${p.message})`).join(', ')}. Nothing was changed.`);
          return;
        }
      } catch (e) {
        setBulkRefused(messageOf(e));
        return;
      }
      setBulkRefused(undefined);
    }
    await view.submit(field.storedValue());
  };
  const onChange = (value: SelectOption | SelectOption[] | null) => {
    const chosen = value === null ? [] : Array.isArray(value) ? value : [value];
    field.select(chosen.map(fromSelect));
  };
  const current = field.selected.map(toSelect);

  return (
    <CustomFieldEdit onSubmit={submit} hideActionButtons={false}>
      <Stack space="space.100">
        <Label labelFor={hints.fieldKey}>{hints.name}</Label>
        {hints.editor === 'readonly' ? (
          <Text>{field.selected.map((o) => o.value).join(', ') || '—'}</Text>
        ) : (
          <Select
            id={hints.fieldKey}
            options={field.options.map(toSelect)}
            value={hints.editor === 'multiselect' ? current : (current[0] ?? null)}
            isMulti={hints.editor === 'multiselect'}
            isClearable
            isLoading={field.loading}
            isInvalid={Boolean(field.invalid)}
            placeholder={hints.editor === 'autocomplete' ? 'Type to search' : 'Choose'}
            onChange={onChange}
            {...(hints.editor === 'autocomplete' ? { onInputChange: (text: string) => field.search(text) } : {})}
          />
        )}
        {field.invalid ? <ErrorMessage>{field.invalid}</ErrorMessage> : null}
        {bulkRefused ? <ErrorMessage>{bulkRefused}</ErrorMessage> : null}
        {field.error ? <ErrorMessage>{field.error}</ErrorMessage> : null}
        {field.slow ? (
          <SectionMessage appearance="warning" title="The datasource was too slow">
            <Text>{field.slow}.</Text>
            <Text>Jira gives an app only a few seconds to answer, so the options could not be loaded this time. Try again in a moment; if it keeps happening, tell your Jira administrator.</Text>
            <Button onClick={() => field.retry()}>Try again</Button>
          </SectionMessage>
        ) : null}
        {field.stale ? (
          <SectionMessage appearance="information" title="These options may be out of date">
            <Text>The datasource did not answer just now, so these are the last options open-connect had.</Text>
          </SectionMessage>
        ) : null}
      </Stack>
    </CustomFieldEdit>
  );
}
