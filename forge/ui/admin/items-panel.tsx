// Admin: connected items. The list, a form per item (its settings and attributes) and a form for
// where it shows (projects, issue types, request types, from the site's Jira). No JSON to write.
import React, { useEffect, useState } from 'react';
import { Button, ButtonGroup, Heading, Inline, Lozenge, Stack, Text } from '@forge/react';
import { ErrorBanner, TemplateWarnings, useAdminCall } from './admin-kit';
import { ItemForm } from './item-form';
import { ItemMappingsForm } from './item-mappings-form';
import { draftOfItem, emptyItem, nextItemKey, type ItemDraft, type StoredItem } from './item-draft';

type Editing = { form: 'item'; draft: ItemDraft } | { form: 'mappings'; item: StoredItem };

export function ItemsPanel() {
  const { run, error } = useAdminCall();
  const [items, setItems] = useState<StoredItem[]>([]);
  const [datasources, setDatasources] = useState<Array<{ label: string; value: string }>>([]);
  const [editing, setEditing] = useState<Editing>();
  const [notice, setNotice] = useState<string>();
  const [warnings, setWarnings] = useState<StoredItem['warnings']>();

  const reload = async () => {
    const all: StoredItem[] = [];
    let cursor: string | null | undefined;
    do {
      const page = await run<{ items: StoredItem[]; nextCursor: string | null }>('items/list', { limit: 200, ...(cursor ? { cursor } : {}) });
      if (!page) return;
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    setItems(all);
    const ds = await run<{ datasources: Array<{ id: string; name: string }> }>('datasources/list');
    if (ds) setDatasources(ds.datasources.map((d) => ({ label: d.name, value: d.id })));
  };
  useEffect(() => {
    void reload();
  }, []);

  const remove = async (item: StoredItem) => {
    if (await run('items/delete', { id: item.id })) {
      setNotice(`${item.name} deleted (kept 30 days before purge)`);
      await reload();
    }
  };

  return (
    <Stack space="space.200">
      <ErrorBanner message={error} />
      {notice ? <Text>{notice}</Text> : null}
      <TemplateWarnings warnings={warnings} />
      <Heading as="h3">Connected items</Heading>
      {items.length === 0 ? <Text>No connected item yet.</Text> : null}
      {items.map((item) => (
        <Inline key={item.id} space="space.100" alignBlock="center">
          <Text>{`${item.name} (${item.key})`}</Text>
          <Lozenge>{item.editor}</Lozenge>
          <ButtonGroup>
            <Button onClick={() => setEditing({ form: 'item', draft: draftOfItem(item) })}>Edit</Button>
            <Button onClick={() => setEditing({ form: 'mappings', item })}>Where it shows</Button>
            <Button appearance="danger" onClick={() => remove(item)}>Delete</Button>
          </ButtonGroup>
        </Inline>
      ))}
      {editing?.form === 'item' ? (
        <ItemForm
          key={editing.draft.id ?? 'new'}
          initial={editing.draft}
          datasources={datasources}
          onCancel={() => setEditing(undefined)}
          onSaved={async (saved) => {
            setEditing(undefined);
            setNotice(`Saved ${saved.name}`);
            setWarnings(saved.warnings);
            await reload();
          }}
        />
      ) : null}
      {editing?.form === 'mappings' ? <ItemMappingsForm key={editing.item.id} item={editing.item} onClose={() => setEditing(undefined)} /> : null}
      {editing === undefined ? <Button onClick={() => setEditing({ form: 'item', draft: emptyItem(nextItemKey(items)) })}>Add connected item</Button> : null}
    </Stack>
  );
}
