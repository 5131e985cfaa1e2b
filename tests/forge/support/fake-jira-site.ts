// A Jira site's catalogue as Jira's REST API answers it, for the stand-ins of requestJira (the tests'
// @forge/api stub and the demo's local platform): project search (query, id, paging), the issue types
// of a project, service desks and their request types. Shapes follow Jira's documented answers.
export interface FakeProject {
  id: string;
  key: string;
  name: string;
  projectTypeKey: string;
}

export const FAKE_PROJECTS: FakeProject[] = [
  { id: '10000', key: 'DEMO', name: 'Demo', projectTypeKey: 'software' },
  { id: '10001', key: 'ACME', name: 'Acme rollout', projectTypeKey: 'business' },
  { id: '10002', key: 'HELP', name: 'Help desk', projectTypeKey: 'service_desk' },
  ...Array.from({ length: 57 }, (_, i) => ({ id: String(10_100 + i), key: `P${i}`, name: `Project ${String(i).padStart(2, '0')}`, projectTypeKey: 'software' })),
];
export const FAKE_ISSUE_TYPES = [
  { id: '10001', name: 'Task' },
  { id: '10002', name: 'Bug' },
  { id: '10003', name: 'Story' },
];
export const FAKE_SERVICE_DESKS = [{ id: '4', projectId: '10002', projectKey: 'HELP', projectName: 'Help desk' }];
export const FAKE_REQUEST_TYPES: Record<string, Array<{ id: string; name: string }>> = {
  '4': [
    { id: '7', name: 'Get IT help' },
    { id: '8', name: 'Request a new account' },
  ],
};

/** Jira's answer to a GET of `pathAndQuery`; undefined when this catalogue has no such resource. */
export function fakeJiraRead(pathAndQuery: string): { status: number; body: unknown } | undefined {
  const url = new URL(pathAndQuery, 'https://site.example');
  const q = url.searchParams;
  if (url.pathname === '/rest/api/3/project/search') {
    const ids = q.getAll('id');
    const query = (q.get('query') ?? '').toLowerCase();
    const all = FAKE_PROJECTS.filter((p) => (ids.length === 0 || ids.includes(p.id)) && (p.name.toLowerCase().includes(query) || p.key.toLowerCase().includes(query)))
      .sort((a, b) => a.name.localeCompare(b.name));
    const startAt = Number(q.get('startAt') ?? 0);
    const max = Math.min(Number(q.get('maxResults') ?? 50), 50);
    const values = all.slice(startAt, startAt + max);
    return { status: 200, body: { startAt, maxResults: max, total: all.length, isLast: startAt + max >= all.length, values } };
  }
  if (url.pathname === '/rest/api/3/issuetype/project') {
    const project = FAKE_PROJECTS.find((p) => p.id === q.get('projectId'));
    return project ? { status: 200, body: FAKE_ISSUE_TYPES } : { status: 404, body: { errorMessages: ['No project could be found'] } };
  }
  if (url.pathname === '/rest/servicedeskapi/servicedesk') {
    return { status: 200, body: { start: 0, limit: 100, size: FAKE_SERVICE_DESKS.length, isLastPage: true, values: FAKE_SERVICE_DESKS } };
  }
  const types = /^\/rest\/servicedeskapi\/servicedesk\/([^/]+)\/requesttype$/.exec(url.pathname);
  if (types) {
    const values = FAKE_REQUEST_TYPES[decodeURIComponent(types[1]!)];
    return values ? { status: 200, body: { start: 0, limit: 100, size: values.length, isLastPage: true, values } } : { status: 404, body: { errorMessage: 'Service desk not found' } };
  }
  return undefined;
}
