// Connected items on an issue (issue panel, and the request view on the customer portal): the items
// mapped to this issue's project and type, their chosen values with attributes, and an editor only
// for users who may edit the issue (the resolver asks Jira, and asks again before anything is
// listed or written). Portal customers normally may not: they see the values read-only.
import React, { useEffect, useState } from 'react';
import { Button, ButtonGroup, ErrorMessage, Heading, Select, Stack, Text } from '@forge/react';
import { callResolver, messageOf } from './resolver-call';

interface IssueItem {
  itemId: string;
  key: string;
  name: string;
  editor: string;
  values: Array<{ id: string; value: string; attributes?: Record<string, string> }>;
}
type SelectOption = { label: string; value: string };

export function IssuePanel() {
  const [items, setItems] = useState<IssueItem[]>();
  const [canEdit, setCanEdit] = useState(false);
  const [error, setError] = useState<string>();
  const [editing, setEditing] = useState<{ item: IssueItem; options: SelectOption[]; chosen: SelectOption[] }>();

  const load = async () => {
    try {
      const answer = await callResolver<{ items: IssueItem[]; canEdit: boolean }>('issueItems/get');
      setItems(answer.items);
      setCanEdit(answer.canEdit === true);
      setError(undefined);
    } catch (e) {
      setError(messageOf(e));
    }
  };
  useEffect(() => {
    void load();
  }, []);

  const edit = async (item: IssueItem) => {
    try {
      const answer = await callResolver<{ options: Array<{ id: string; value: string }> }>('issueItems/options', { itemId: item.itemId });
      const chosen = item.values.map((v) => ({ label: v.value, value: v.id }));
      setEditing({ item, options: answer.options.map((o) => ({ label: o.value, value: o.id })), chosen });
      setError(undefined);
    } catch (e) {
      setError(messageOf(e));
    }
  };
  const save = async () => {
    if (!editing) return;
    try {
      await callResolver('issueItems/put', { items: [{ itemId: editing.item.itemId, values: editing.chosen.map((c) => ({ id: c.value, value: c.label })) }] });
      setEditing(undefined);
      await load();
    } catch (e) {
      setError(messageOf(e));
    }
  };

  if (!items && !error) return <Text>Loading…</Text>;
  return (
    <Stack space="space.200">
      {error ? <ErrorMessage>{error}</ErrorMessage> : null}
      {items?.length === 0 ? <Text>No connected item applies to this issue.</Text> : null}
      {items?.map((item) => (
        <Stack key={item.itemId} space="space.050">
          <Heading as="h5">{item.name}</Heading>
          {item.values.length === 0 ? <Text>None</Text> : null}
          {item.values.map((v) => (
            <Text key={v.id}>{[v.value, ...Object.entries(v.attributes ?? {}).map(([k, a]) => `${k}: ${a}`)].join(' · ')}</Text>
          ))}
          {editing?.item.itemId === item.itemId ? (
            <Stack space="space.050">
              <Select
                options={editing.options}
                value={item.editor === 'multiselect' ? editing.chosen : (editing.chosen[0] ?? null)}
                isMulti={item.editor === 'multiselect'}
                isClearable
                onChange={(o: SelectOption | SelectOption[] | null) => setEditing({ ...editing, chosen: o === null ? [] : Array.isArray(o) ? o : [o] })}
              />
              <ButtonGroup>
                <Button appearance="primary" onClick={save}>Save</Button>
                <Button onClick={() => setEditing(undefined)}>Cancel</Button>
              </ButtonGroup>
            </Stack>
          ) : canEdit ? (
            <Button onClick={() => edit(item)}>Edit</Button>
          ) : null}
        </Stack>
      ))}
    </Stack>
  );
}
