// The tenant's Jira as the companion reaches it (compute egress: `GET {apiBaseUrl}/rest/api/3/issue/
// {id|key}?fields=…` with a Forge OAuth token): a real HTTP server on loopback answering from the
// same issues and field values the stubbed @forge/api serves the app, so what the app writes is what
// the companion reads next. Every read is recorded with the token it came with.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface JiraIssueState {
  issues: Map<string, { id: string; key: string; projectId: string; projectKey: string; issueTypeId: string }>;
  /** Field values per issue key. */
  issueFields: Map<string, Record<string, unknown>>;
  companionJiraReads: Array<{ path: string; authorization: string | undefined }>;
}

export interface JiraRestServer {
  url: string;
  close(): Promise<void>;
}

export async function startJiraRestServer(state: JiraIssueState): Promise<JiraRestServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://jira.local');
    state.companionJiraReads.push({ path: `${url.pathname}${url.search}`, authorization: req.headers.authorization });
    const ref = /^\/rest\/api\/3\/issue\/([^/]+)$/.exec(url.pathname)?.[1];
    const issue = ref ? [...state.issues.values()].find((i) => i.key === decodeURIComponent(ref) || i.id === decodeURIComponent(ref)) : undefined;
    res.setHeader('content-type', 'application/json');
    if (req.method !== 'GET' || !issue) {
      res.statusCode = 404;
      res.end(JSON.stringify({ errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} }));
      return;
    }
    const stored = state.issueFields.get(issue.key) ?? {};
    const wanted = (url.searchParams.get('fields') ?? '').split(',').filter(Boolean);
    // Jira answers every field asked for that the issue has (null when empty).
    res.end(JSON.stringify({ id: issue.id, key: issue.key, fields: Object.fromEntries(wanted.map((f) => [f, stored[f] ?? null])) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
