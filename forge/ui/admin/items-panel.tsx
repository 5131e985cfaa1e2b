// Admin: connected items (configuration as JSON, same fields as a connected field plus
// `attributes`) and the mapping document that places them on projects and issue types.
import React, { useEffect, useState } from 'react';
import { Button, ButtonGroup, Heading, Inline, Stack, Text } from '@forge/react';
import { ErrorBanner, TextBlock, parseJson, useAdminCall } from './admin-kit';

interface StoredItem {
  id: string;
  version: number;
  key: string;
  name: string;
  [k: string]: unknown;
}

const ITEM_TEMPLATE = {
  key: 'connected_item_1',
  name: 'Account',
  datasourceId: '',
  editor: 'select',
  query: 'GET /accounts',
  resultPath: '$.accounts[*]',
  idTemplate: '${row.id}',
  displayTemplate: '${row.name}',
  attributes: { owner: '${row.owner}' },
};
const EDITABLE = ['key', 'name', 'datasourceId', 'editor', 'query', 'resultPath', 'idTemplate', 'displayTemplate', 'cacheTtlSeconds', 'maxOptions', 'attributes'];
const editableOf = (item: StoredItem) => Object.fromEntries(EDITABLE.filter((k) => item[k] !== undefined).map((k) => [k, item[k]]));

export function ItemsPanel() {
  const { run, error, setError } = useAdminCall();
  const [items, setItems] = useState<StoredItem[]>([]);
  const [editing, setEditing] = useState<{ id?: string; version?: number; text: string }>();
  const [mappings, setMappings] = useState<string>('');

  const reload = async () => {
    const answer = await run<{ items: StoredItem[] }>('items/list');
    if (answer) setItems(answer.items);
    const doc = await run<unknown>('mappings/get');
    if (doc) setMappings(JSON.stringify(doc, null, 2));
  };
  useEffect(() => {
    void reload();
  }, []);

  const save = async () => {
    if (!editing) return;
    const parsed = parseJson(editing.text, null);
    if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return setError('The item must be a JSON object');
    const body = { ...(parsed.value as object), ...(editing.version !== undefined ? { version: editing.version } : {}) };
    const saved = editing.id ? await run('items/update', { id: editing.id, item: body }) : await run('items/create', { item: body });
    if (saved) {
      setEditing(undefined);
      await reload();
    }
  };
  const saveMappings = async () => {
    const parsed = parseJson(mappings, null);
    if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return setError('The mappings must be a JSON document');
    const saved = await run<unknown>('mappings/put', { document: parsed.value });
    if (saved) setMappings(JSON.stringify(saved, null, 2));
  };

  return (
    <Stack space="space.200">
      <ErrorBanner message={error} />
      <Heading as="h3">Connected items</Heading>
      {items.length === 0 ? <Text>No connected item yet.</Text> : null}
      {items.map((item) => (
        <Inline key={item.id} space="space.100" alignBlock="center">
          <Text>{`${item.name} (${item.key})`}</Text>
          <ButtonGroup>
            <Button onClick={() => setEditing({ id: item.id, version: item.version, text: JSON.stringify(editableOf(item), null, 2) })}>Edit</Button>
            <Button appearance="danger" onClick={async () => (await run('items/delete', { id: item.id })) && reload()}>Delete</Button>
          </ButtonGroup>
        </Inline>
      ))}
      {editing ? (
        <Stack space="space.100">
          <TextBlock label="Item configuration (JSON)" name="item-json" value={editing.text} onChange={(text) => setEditing({ ...editing, text })} />
          <ButtonGroup>
            <Button appearance="primary" onClick={save}>Save</Button>
            <Button onClick={() => setEditing(undefined)}>Cancel</Button>
          </ButtonGroup>
        </Stack>
      ) : (
        <Button onClick={() => setEditing({ text: JSON.stringify(ITEM_TEMPLATE, null, 2) })}>Add connected item</Button>
      )}
      <Heading as="h3">Mappings</Heading>
      <Text>Which items show on which projects, issue types and request types (ids only). Keep the version you read.</Text>
      <TextBlock label="Mapping document (JSON)" name="mappings-json" value={mappings} onChange={setMappings} />
      <Button onClick={saveMappings}>Save mappings</Button>
    </Stack>
  );
}
