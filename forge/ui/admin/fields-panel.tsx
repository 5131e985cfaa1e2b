// Admin: connected fields. Create and edit the configuration, and try it in the configuration tester
// (evaluated query, options, timings), overriding the values of the fields it depends on. A new
// configuration is bound to a Jira field of the app's types: a new one created from here, or one of
// the site's connected fields that no configuration uses yet. Nobody types a customfield_ id.
import React, { useEffect, useState } from 'react';
import { Button, ButtonGroup, Heading, Inline, Lozenge, Stack, Text } from '@forge/react';
import { Choice, ErrorBanner, TemplateWarnings, TextBlock, TextInput, useAdminCall } from './admin-kit';
import type { TemplateWarning } from '../../../companion/contract/index';
import { FieldTester } from './field-tester';
import { fieldTypeFor } from '../../fields/field-types';
import type { EditorKind, StorageKind } from '../../fields/render-hints-store';

interface ConnectedJiraField {
  id: string;
  name: string;
  type: string;
}

const CREATE_NEW = 'create-new';

/** A create or update answer: the field plus what the template check found. */
type SavedField = StoredField & { warnings?: TemplateWarning[] };

interface StoredField {
  id: string;
  version: number;
  key: string;
  name: string;
  datasourceId: string;
  editor: string;
  storage: string;
  query: string;
  resultPath: string | null;
  idTemplate: string | null;
  displayTemplate: string | null;
  cacheTtlSeconds: number | null;
  dependsOn: string[];
}

type Draft = Omit<StoredField, 'id' | 'version' | 'dependsOn' | 'cacheTtlSeconds' | 'resultPath' | 'idTemplate' | 'displayTemplate'> & {
  id?: string;
  version?: number;
  resultPath: string;
  idTemplate: string;
  displayTemplate: string;
  cacheTtlSeconds: string;
  /** New configurations only: CREATE_NEW or the id of a site field of the right type. */
  jiraField: string;
};

const EDITORS = ['select', 'multiselect', 'autocomplete', 'readonly'].map((v) => ({ label: v, value: v }));
const STORAGES = ['object', 'snapshot'].map((v) => ({ label: v, value: v }));
const empty = (): Draft => ({ key: '', jiraField: CREATE_NEW, name: '', datasourceId: '', editor: 'select', storage: 'object', query: '', resultPath: '', idTemplate: '', displayTemplate: '', cacheTtlSeconds: '' });
const draftOf = (f: StoredField): Draft => ({
  ...f,
  jiraField: f.key,
  resultPath: f.resultPath ?? '',
  idTemplate: f.idTemplate ?? '',
  displayTemplate: f.displayTemplate ?? '',
  cacheTtlSeconds: f.cacheTtlSeconds === null ? '' : String(f.cacheTtlSeconds),
});
const orNull = (s: string) => (s.trim() === '' ? null : s);

export function FieldsPanel() {
  const { run, error, setError } = useAdminCall();
  const [fields, setFields] = useState<StoredField[]>([]);
  const [datasources, setDatasources] = useState<Array<{ label: string; value: string }>>([]);
  const [draft, setDraft] = useState<Draft>();
  const [testing, setTesting] = useState<StoredField>();
  const [jiraFields, setJiraFields] = useState<ConnectedJiraField[]>([]);
  const [warnings, setWarnings] = useState<{ name: string; list: TemplateWarning[] }>();

  const reload = async () => {
    const answer = await run<{ fields: StoredField[] }>('fields/list');
    if (answer) setFields(answer.fields);
    const ds = await run<{ datasources: Array<{ id: string; name: string }> }>('datasources/list');
    if (ds) setDatasources(ds.datasources.map((d) => ({ label: d.name, value: d.id })));
    const site = await run<{ fields: ConnectedJiraField[] }>('jiraFields/list');
    if (site) setJiraFields(site.fields);
  };
  useEffect(() => {
    void reload();
  }, []);

  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...(d ?? empty()), ...patch }));
  const save = async () => {
    if (!draft) return;
    const ttl = draft.cacheTtlSeconds.trim() === '' ? null : Number(draft.cacheTtlSeconds);
    if (ttl !== null && !Number.isInteger(ttl)) return setError('Cache TTL must be a whole number of seconds');
    const body = {
      ...(draft.version !== undefined ? { version: draft.version } : {}),
      name: draft.name,
      datasourceId: draft.datasourceId,
      editor: draft.editor,
      storage: draft.storage,
      query: draft.query,
      resultPath: orNull(draft.resultPath),
      idTemplate: orNull(draft.idTemplate),
      displayTemplate: orNull(draft.displayTemplate),
      cacheTtlSeconds: ttl,
    };
    const jiraField = draft.jiraField === CREATE_NEW ? { create: true } : { id: draft.jiraField };
    const saved = draft.id ? await run<SavedField>('fields/update', { id: draft.id, field: body }) : await run<SavedField>('fields/create', { field: body, jiraField });
    if (saved) {
      setWarnings({ name: saved.name, list: saved.warnings ?? [] });
      setDraft(undefined);
      await reload();
    }
  };
  const remove = async (f: StoredField) => {
    if (await run('fields/delete', { id: f.id })) await reload();
  };

  return (
    <Stack space="space.200">
      <ErrorBanner message={error} />
      {warnings && warnings.list.length > 0 ? <Text>{`Saved ${warnings.name}.`}</Text> : null}
      <TemplateWarnings warnings={warnings?.list} />
      <Heading as="h3">Connected fields</Heading>
      {fields.length === 0 ? <Text>No connected field yet.</Text> : null}
      {fields.map((f) => (
        <Inline key={f.id} space="space.100" alignBlock="center">
          <Text>{`${f.name} (${f.key})`}</Text>
          <Lozenge>{f.editor}</Lozenge>
          {f.dependsOn.length > 0 ? <Text>{`depends on ${f.dependsOn.join(', ')}`}</Text> : null}
          <ButtonGroup>
            <Button onClick={() => setDraft(draftOf(f))}>Edit</Button>
            <Button onClick={() => setTesting(f)}>Test</Button>
            <Button appearance="danger" onClick={() => remove(f)}>Delete</Button>
          </ButtonGroup>
        </Inline>
      ))}
      {testing ? <FieldTester field={testing} onClose={() => setTesting(undefined)} /> : null}
      {draft ? (
        <Stack space="space.100">
          <Heading as="h4">{draft.id ? `Edit ${draft.name}` : 'New connected field'}</Heading>
          <TextInput label="Name" name="f-name" value={draft.name} onChange={(name) => set({ name })} />
          <Choice label="Datasource" name="f-ds" value={draft.datasourceId} choices={datasources} onChange={(datasourceId) => set({ datasourceId })} />
          <Choice label="Editor" name="f-editor" value={draft.editor} choices={EDITORS} onChange={(editor) => set({ editor, jiraField: CREATE_NEW })} />
          <Choice label="Storage (fixed once created)" name="f-storage" value={draft.storage} choices={STORAGES} onChange={(storage) => set({ storage, jiraField: CREATE_NEW })} />
          {draft.id ? (
            <Text>{`Jira field: ${draft.key}`}</Text>
          ) : (
            <Choice label="Jira field" name="f-jira-field" value={draft.jiraField} choices={jiraFieldChoices(draft, jiraFields, fields)} onChange={(jiraField) => set({ jiraField })} />
          )}
          <TextBlock label="Query (Velocity: $issue.customfield_…, $issue.connected_item_…, $userInput, $currentUser.accountId / .displayName / .emailAddress / .locale / .timeZone)" name="f-query" value={draft.query} onChange={(query) => set({ query })} />
          <TextInput label="Result path (JSONPath, REST)" name="f-result" value={draft.resultPath} onChange={(resultPath) => set({ resultPath })} />
          <TextInput label="Id template" name="f-id" value={draft.idTemplate} onChange={(idTemplate) => set({ idTemplate })} />
          <TextInput label="Display template" name="f-display" value={draft.displayTemplate} onChange={(displayTemplate) => set({ displayTemplate })} />
          <TextInput label="Cache TTL (seconds; empty = the datasource's)" name="f-ttl" value={draft.cacheTtlSeconds} onChange={(cacheTtlSeconds) => set({ cacheTtlSeconds })} />
          <ButtonGroup>
            <Button appearance="primary" onClick={save}>Save</Button>
            <Button onClick={() => setDraft(undefined)}>Cancel</Button>
          </ButtonGroup>
        </Stack>
      ) : (
        <Button onClick={() => setDraft(empty())}>Add connected field</Button>
      )}
    </Stack>
  );
}

/** Create a new field, or pick a site field of the type this storage and editor need that no configuration uses yet. */
function jiraFieldChoices(draft: Draft, site: ConnectedJiraField[], configured: StoredField[]) {
  const type = fieldTypeFor(draft.storage as StorageKind, draft.editor as EditorKind);
  const free = site.filter((f) => f.type === type && !configured.some((c) => c.key === f.id));
  return [
    { label: `Create a new Jira field "${draft.name || 'named like this configuration'}"`, value: CREATE_NEW },
    ...free.map((f) => ({ label: `${f.name} (${f.id}), not configured yet`, value: f.id })),
  ];
}
