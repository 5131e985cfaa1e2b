// Admin: datasources. Create and edit (secrets write-only: the form only says whether one is set),
// test the connection, clear the cache, delete. Companion errors are shown as they come.
import React, { useEffect, useState } from 'react';
import { Button, ButtonGroup, Heading, Inline, Lozenge, Stack, Text } from '@forge/react';
import { Choice, ErrorBanner, TextInput, useAdminCall } from './admin-kit';
import { bodyFrom, draftFrom, emptyDatasource, secretNameFor, type DatasourceDraft, type StoredDatasource } from './datasource-form';

const TYPES = ['rest', 'jira', 'postgresql', 'mysql', 'static'].map((t) => ({ label: t, value: t }));
const AUTH = ['none', 'basic', 'bearer', 'apiKey', 'oauth2ClientCredentials'].map((t) => ({ label: t, value: t }));

export function DatasourcesPanel() {
  const { run, error } = useAdminCall();
  const [list, setList] = useState<StoredDatasource[]>([]);
  const [draft, setDraft] = useState<DatasourceDraft | undefined>();
  const [notice, setNotice] = useState<string>();

  const reload = async () => {
    const answer = await run<{ datasources: StoredDatasource[] }>('datasources/list');
    if (answer) setList(answer.datasources);
  };
  useEffect(() => {
    void reload();
  }, []);

  const set = (patch: Partial<DatasourceDraft>) => setDraft((d) => ({ ...(d ?? emptyDatasource()), ...patch }));
  const save = async () => {
    if (!draft) return;
    const body = bodyFrom(draft);
    const saved = draft.id
      ? await run<StoredDatasource>('datasources/update', { id: draft.id, datasource: body })
      : await run<StoredDatasource>('datasources/create', { datasource: body });
    if (saved) {
      setDraft(undefined);
      setNotice(`Saved ${saved.name}`);
      await reload();
    }
  };
  const test = async (ds: StoredDatasource) => {
    const r = await run<{ ok: boolean; ms: number; message: string }>('datasources/test', { id: ds.id });
    if (r) setNotice(`${ds.name}: ${r.ok ? 'connected' : 'failed'} in ${Math.round(r.ms)} ms: ${r.message}`);
  };
  const clearCache = async (ds: StoredDatasource) => {
    const r = await run<{ cleared: number }>('datasources/clearCache', { id: ds.id });
    if (r) setNotice(`${ds.name}: ${r.cleared} cached answers cleared`);
  };
  const remove = async (ds: StoredDatasource) => {
    if (await run('datasources/delete', { id: ds.id })) {
      setNotice(`${ds.name} deleted (kept 30 days before purge)`);
      await reload();
    }
  };

  const secretName = draft ? secretNameFor(draft) : undefined;
  return (
    <Stack space="space.200">
      <ErrorBanner message={error} />
      {notice ? <Text>{notice}</Text> : null}
      <Heading as="h3">Datasources</Heading>
      {list.length === 0 ? <Text>No datasource yet.</Text> : null}
      {list.map((ds) => (
        <Inline key={ds.id} space="space.100" alignBlock="center">
          <Text>{ds.name}</Text>
          <Lozenge>{ds.type}</Lozenge>
          <ButtonGroup>
            <Button onClick={() => setDraft(draftFrom(ds))}>Edit</Button>
            <Button onClick={() => test(ds)}>Test connection</Button>
            <Button onClick={() => clearCache(ds)}>Clear cache</Button>
            <Button appearance="danger" onClick={() => remove(ds)}>Delete</Button>
          </ButtonGroup>
        </Inline>
      ))}
      {draft ? (
        <Stack space="space.100">
          <Heading as="h4">{draft.id ? `Edit ${draft.name}` : 'New datasource'}</Heading>
          <TextInput label="Name" name="ds-name" value={draft.name} onChange={(name) => set({ name })} />
          <Choice label="Type" name="ds-type" value={draft.type} choices={TYPES} onChange={(type) => set({ type })} />
          {draft.type === 'rest' ? (
            <>
              <TextInput label="Base URL" name="ds-base-url" value={draft.baseUrl} onChange={(baseUrl) => set({ baseUrl })} />
              <TextInput label="Test path" name="ds-test-path" value={draft.testPath} onChange={(testPath) => set({ testPath })} />
              <Choice label="Authentication" name="ds-auth" value={draft.authMode} choices={AUTH} onChange={(authMode) => set({ authMode })} />
              {draft.authMode === 'basic' ? <TextInput label="User name" name="ds-username" value={draft.username} onChange={(username) => set({ username })} /> : null}
            </>
          ) : null}
          {draft.type === 'postgresql' || draft.type === 'mysql' ? (
            <>
              <TextInput label="Host" name="ds-host" value={draft.host} onChange={(host) => set({ host })} />
              <TextInput label="Port" name="ds-port" value={draft.port} onChange={(port) => set({ port })} />
              <TextInput label="Database" name="ds-database" value={draft.database} onChange={(database) => set({ database })} />
              <TextInput label="User" name="ds-user" value={draft.user} onChange={(user) => set({ user })} />
            </>
          ) : null}
          {secretName ? (
            <TextInput
              label={`${secretName} (write-only)`}
              name="ds-secret"
              secret
              value={draft.secret}
              placeholder={draft.secretsSet.includes(secretName) ? 'Set: leave empty to keep it' : 'Not set'}
              onChange={(secret) => set({ secret })}
            />
          ) : null}
          <TextInput label="Cache TTL (seconds, 0 = off)" name="ds-ttl" value={draft.cacheTtlSeconds} onChange={(cacheTtlSeconds) => set({ cacheTtlSeconds })} />
          <ButtonGroup>
            <Button appearance="primary" onClick={save}>Save</Button>
            <Button onClick={() => setDraft(undefined)}>Cancel</Button>
          </ButtonGroup>
        </Stack>
      ) : (
        <Button onClick={() => setDraft(emptyDatasource())}>Add datasource</Button>
      )}
    </Stack>
  );
}
