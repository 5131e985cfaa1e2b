// Admin: the form for one connected item: what it is (key, name, editor), where its options come
// from (datasource, query, result path, id and display templates, cache), and its attributes, one
// row each. Messages from the companion show beside the input they concern.
import React, { useState } from 'react';
import { Button, ButtonGroup, ErrorMessage, Form, FormFooter, FormSection, Heading, Inline, Stack, Text } from '@forge/react';
import { Choice, ErrorBanner, TextBlock, TextInput } from './admin-kit';
import { ResolverCallError, callResolver, messageOf } from '../resolver-call';
import { itemBodyOf, placeItemDetails, type FieldErrors, type ItemDraft, type StoredItem } from './item-draft';

const FIX_MARKED = 'Some settings need fixing: see the messages beside them';

const EDITORS = [
  { label: 'Select (one value)', value: 'select' },
  { label: 'Multiselect (several values)', value: 'multiselect' },
  { label: 'Read-only (computed)', value: 'readonly' },
];

export function ItemForm(props: { initial: ItemDraft; datasources: Array<{ label: string; value: string }>; onSaved: (item: StoredItem) => void; onCancel: () => void }) {
  const [draft, setDraft] = useState(props.initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [error, setError] = useState<string>();
  const set = (patch: Partial<ItemDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const setAttribute = (index: number, patch: Partial<ItemDraft['attributes'][number]>) =>
    set({ attributes: draft.attributes.map((a, i) => (i === index ? { ...a, ...patch } : a)) });

  const save = async () => {
    const built = itemBodyOf(draft);
    if ('errors' in built) {
      setErrors(built.errors);
      return setError(FIX_MARKED);
    }
    try {
      const saved = await callResolver<StoredItem>(draft.id ? 'items/update' : 'items/create', draft.id ? { id: draft.id, item: built.body } : { item: built.body });
      setErrors({});
      setError(undefined);
      props.onSaved(saved);
    } catch (err) {
      // The companion says which input each problem concerns; what has no input goes in the banner.
      const placed = placeItemDetails(err instanceof ResolverCallError ? err.details : [], draft);
      setErrors(placed.errors);
      setError(Object.keys(placed.errors).length > 0 && placed.unplaced.length === 0 ? FIX_MARKED : [messageOf(err), ...placed.unplaced].join('. '));
    }
  };

  const e = (name: string) => errors[name];
  return (
    <Form onSubmit={save}>
      <Stack space="space.100">
        <Heading as="h4">{draft.id ? `Edit ${draft.name || draft.key}` : 'New connected item'}</Heading>
        <ErrorBanner message={error} />
        <FormSection>
          <TextInput label="Key" name="item-key" value={draft.key} onChange={(key) => set({ key })} error={e('key')} help={draft.id ? 'Fixed once created' : 'Queries refer to it as $issue.<key>'} />
          <TextInput label="Name" name="item-name" value={draft.name} onChange={(name) => set({ name })} error={e('name')} />
          <Choice label="Editor" name="item-editor" value={draft.editor} choices={EDITORS} onChange={(editor) => set({ editor })} error={e('editor')} />
          <Choice label="Datasource" name="item-datasource" value={draft.datasourceId} choices={props.datasources} onChange={(datasourceId) => set({ datasourceId })} error={e('datasourceId')} />
          <TextBlock label="Query" name="item-query" value={draft.query} onChange={(query) => set({ query })} error={e('query')} help="Velocity: $issue.customfield_…, $issue.connected_item_…, $currentUser.accountId" />
          <TextInput label="Result path (JSONPath, REST)" name="item-result-path" value={draft.resultPath} onChange={(resultPath) => set({ resultPath })} error={e('resultPath')} />
          <TextInput label="Id template" name="item-id-template" value={draft.idTemplate} onChange={(idTemplate) => set({ idTemplate })} error={e('idTemplate')} placeholder="${row.id}" />
          <TextInput label="Display template" name="item-display-template" value={draft.displayTemplate} onChange={(displayTemplate) => set({ displayTemplate })} error={e('displayTemplate')} placeholder="${row.name}" />
          <TextInput label="Cache TTL (seconds; empty = the datasource's)" name="item-ttl" value={draft.cacheTtlSeconds} onChange={(cacheTtlSeconds) => set({ cacheTtlSeconds })} error={e('cacheTtlSeconds')} />
          <TextInput label="Most options (empty = 1,000)" name="item-max-options" value={draft.maxOptions} onChange={(maxOptions) => set({ maxOptions })} error={e('maxOptions')} />
        </FormSection>
        <FormSection>
          <Heading as="h5">Attributes</Heading>
          <Text>Values shown with the chosen option, each rendered from its row (e.g. {'${row.owner}'}); queries read them as $issue.{draft.key || 'connected_item_N'}.name.</Text>
          {draft.attributes.map((a, i) => (
            <Stack key={i} space="space.050">
              <Inline space="space.100" alignBlock="end">
                <TextInput label="Attribute name" name={`item-attr-name-${i}`} value={a.name} onChange={(name) => setAttribute(i, { name })} />
                <TextInput label="Template" name={`item-attr-template-${i}`} value={a.template} onChange={(template) => setAttribute(i, { template })} />
                <Button onClick={() => set({ attributes: draft.attributes.filter((_, j) => j !== i) })}>Remove</Button>
              </Inline>
              {e(`attributes.${i}`) ? <ErrorMessage>{e(`attributes.${i}`)}</ErrorMessage> : null}
            </Stack>
          ))}
          {e('attributes') ? <ErrorMessage>{e('attributes')}</ErrorMessage> : null}
          <Button onClick={() => set({ attributes: [...draft.attributes, { name: '', template: '' }] })}>Add attribute</Button>
        </FormSection>
        <FormFooter>
          <ButtonGroup>
            <Button type="submit" appearance="primary">Save</Button>
            <Button onClick={props.onCancel}>Cancel</Button>
          </ButtonGroup>
        </FormFooter>
      </Stack>
    </Form>
  );
}
