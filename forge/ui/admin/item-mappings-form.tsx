// Admin: where one connected item shows: a row per project, with the issue types (and, for a Jira
// Service Management project, the request types) it applies to, picked from the site's own lists,
// read from Jira. Loaded and saved a page at a time (mapping-pages.ts); the companion's messages
// show beside the row they concern.
import React, { useEffect, useState } from 'react';
import { Button, ButtonGroup, Checkbox, ErrorMessage, Form, FormFooter, Heading, Inline, Label, Select, Stack, Text } from '@forge/react';
import { ErrorBanner } from './admin-kit';
import { ResolverCallError, callResolver, messageOf } from '../resolver-call';
import { AUTOCOMPLETE_DEBOUNCE_MS, useDebouncedCallback } from '../use-debounced-callback';
import { PageRefused, changesOf, pagesOf, savePages, type MappingRow } from './mapping-pages';

interface Project {
  id: string;
  key: string;
  name: string;
  type: string;
}
type Picked = { id: string; name: string };
type Option = { label: string; value: string };

const toOption = (p: Picked) => ({ label: p.name, value: p.id });
const projectOption = (p: Project) => ({ label: `${p.name} (${p.key})`, value: p.id });
const rowOf = (m: MappingRow): MappingRow => ({ projectId: m.projectId, issueTypeIds: m.issueTypeIds, requestTypeIds: m.requestTypeIds, hidden: m.hidden });

export function ItemMappingsForm(props: { item: { id: string; name: string }; onClose: () => void }) {
  const [loaded, setLoaded] = useState<MappingRow[]>();
  const [rows, setRows] = useState<MappingRow[]>([]);
  const [version, setVersion] = useState(0);
  const [projects, setProjects] = useState<Record<string, Project>>({});
  const [found, setFound] = useState<Project[]>([]);
  const [issueTypes, setIssueTypes] = useState<Record<string, Picked[]>>({});
  const [requestTypes, setRequestTypes] = useState<Record<string, Picked[]>>({});
  const [rowErrors, setRowErrors] = useState<Record<number, string>>({});
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();

  const remember = (list: Project[]) => setProjects((known) => ({ ...known, ...Object.fromEntries(list.map((p) => [p.id, p])) }));
  const loadTypes = async (project: Project | undefined) => {
    if (!project) return;
    const types = await callResolver<{ issueTypes: Picked[] }>('jira/issueTypes', { projectId: project.id });
    setIssueTypes((known) => ({ ...known, [project.id]: types.issueTypes }));
    if (project.type !== 'service_desk') return;
    const requests = await callResolver<{ requestTypes: Picked[] }>('jira/requestTypes', { projectId: project.id });
    setRequestTypes((known) => ({ ...known, [project.id]: requests.requestTypes }));
  };
  const search = async (query: string) => {
    const answer = await callResolver<{ projects: Project[] }>('jira/projects', { query });
    remember(answer.projects);
    setFound(answer.projects);
  };
  const debouncedSearch = useDebouncedCallback((text: string) => void search(text).catch((e) => setError(messageOf(e))), AUTOCOMPLETE_DEBOUNCE_MS);

  const load = async () => {
    const all: MappingRow[] = [];
    let cursor: string | null | undefined;
    let at = 0;
    do {
      const page = await callResolver<{ version: number; mappings: MappingRow[]; nextCursor?: string | null }>('mappings/page', { itemId: props.item.id, ...(cursor ? { cursor } : {}) });
      at = page.version;
      all.push(...page.mappings.map(rowOf));
      cursor = page.nextCursor;
    } while (cursor);
    const ids = [...new Set(all.map((m) => m.projectId))];
    const named: Project[] = [];
    for (let i = 0; i < ids.length; i += 50) named.push(...(await callResolver<{ projects: Project[] }>('jira/projects', { ids: ids.slice(i, i + 50) })).projects);
    remember(named);
    await search('');
    await Promise.all(named.map(loadTypes));
    setVersion(at);
    setLoaded(all);
    setRows(all);
    setRowErrors({});
  };
  useEffect(() => {
    load().catch((e) => setError(messageOf(e)));
  }, [props.item.id]);

  const setRow = (index: number, patch: Partial<MappingRow>) => setRows((list) => list.map((r, i) => (i === index ? { ...r, ...patch } : r)));
  const chooseProject = (index: number, id: string) => {
    setRow(index, { projectId: id, issueTypeIds: [], requestTypeIds: [] });
    loadTypes(projects[id]).catch((e) => setError(messageOf(e)));
  };

  const save = async () => {
    if (!loaded) return;
    const changes = changesOf(props.item.id, loaded, rows);
    if ('errors' in changes) {
      setRowErrors(changes.errors);
      return setError('Some rows need fixing: see the messages beside them');
    }
    const pages = pagesOf(changes);
    try {
      await savePages((payload) => callResolver('mappings/patch', payload), version, pages, (e) => (e instanceof ResolverCallError ? e.details : []));
      setError(undefined);
      setNotice(`Saved: ${changes.set.length} set, ${changes.remove.length} removed${pages.length > 1 ? ` (in ${pages.length} parts)` : ''}`);
      await load();
    } catch (e) {
      const refused = e as PageRefused;
      setRowErrors(refused.rowErrors ?? {});
      const partly = refused.saved > 0 ? `Saved ${refused.saved} of ${refused.of} parts, then: ` : '';
      setError(`${partly}${messageOf(refused.cause ?? e)}${refused.saved > 0 ? '. Reload to see what is stored.' : ''}`);
    }
  };

  if (!loaded) {
    return (
      <Stack space="space.100">
        <ErrorBanner message={error} />
        <Text>Loading the mappings of {props.item.name}…</Text>
      </Stack>
    );
  }
  const optionsFor = (row: MappingRow): Option[] => {
    const listed = found.map(projectOption);
    if (!row.projectId || listed.some((o) => o.value === row.projectId)) return listed;
    // A mapped project Jira does not list (deleted, or not visible to the app) still shows.
    const current = projects[row.projectId];
    return [current ? projectOption(current) : { label: `Project ${row.projectId} (not found in Jira)`, value: row.projectId }, ...listed];
  };
  const chosen = (list: Picked[] | undefined, ids: string[]) => ids.map((id) => toOption(list?.find((t) => t.id === id) ?? { id, name: id }));

  return (
    <Form onSubmit={save}>
      <Stack space="space.100">
        <Heading as="h4">{`Where ${props.item.name} shows`}</Heading>
        <ErrorBanner message={error} />
        {notice ? <Text>{notice}</Text> : null}
        {rows.length === 0 ? <Text>Not mapped to any project yet: it shows nowhere.</Text> : null}
        {rows.map((row, i) => {
          const project = projects[row.projectId];
          return (
            <Stack key={i} space="space.050">
              <Inline space="space.100" alignBlock="end" shouldWrap>
                <Stack space="space.050">
                  <Label labelFor={`map-project-${i}`}>Project</Label>
                  <Select
                    id={`map-project-${i}`}
                    options={optionsFor(row)}
                    value={optionsFor(row).find((o) => o.value === row.projectId) ?? null}
                    isInvalid={Boolean(rowErrors[i])}
                    onInputChange={(text: string) => debouncedSearch(text)}
                    onChange={(o: Option | null) => chooseProject(i, o?.value ?? '')}
                  />
                </Stack>
                <Stack space="space.050">
                  <Label labelFor={`map-types-${i}`}>Issue types (none: all)</Label>
                  <Select
                    id={`map-types-${i}`}
                    isMulti
                    options={(issueTypes[row.projectId] ?? []).map(toOption)}
                    value={chosen(issueTypes[row.projectId], row.issueTypeIds)}
                    onChange={(list: Option[] | null) => setRow(i, { issueTypeIds: (list ?? []).map((o) => o.value) })}
                  />
                </Stack>
                {project?.type === 'service_desk' ? (
                  <Stack space="space.050">
                    <Label labelFor={`map-requests-${i}`}>Request types (none: all)</Label>
                    <Select
                      id={`map-requests-${i}`}
                      isMulti
                      options={(requestTypes[row.projectId] ?? []).map(toOption)}
                      value={chosen(requestTypes[row.projectId], row.requestTypeIds)}
                      onChange={(list: Option[] | null) => setRow(i, { requestTypeIds: (list ?? []).map((o) => o.value) })}
                    />
                  </Stack>
                ) : null}
                <Checkbox
                  id={`map-hidden-${i}`}
                  name={`map-hidden-${i}`}
                  label="Hidden"
                  isChecked={row.hidden}
                  onChange={(e: { target?: { checked?: boolean } }) => setRow(i, { hidden: e?.target?.checked === true })}
                />
                <Button onClick={() => setRows((list) => list.filter((_, j) => j !== i))}>Remove</Button>
              </Inline>
              {rowErrors[i] ? <ErrorMessage>{rowErrors[i]}</ErrorMessage> : null}
            </Stack>
          );
        })}
        <Button onClick={() => setRows((list) => [...list, { projectId: '', issueTypeIds: [], requestTypeIds: [], hidden: false }])}>Add project</Button>
        <FormFooter>
          <ButtonGroup>
            <Button type="submit" appearance="primary">Save mappings</Button>
            <Button onClick={props.onClose}>Close</Button>
          </ButtonGroup>
        </FormFooter>
      </Stack>
    </Form>
  );
}
