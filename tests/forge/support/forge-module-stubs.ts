// The Forge platform, stubbed at its module boundary only. `invokeRemote` does what the platform
// does for a function: mint an RS256 Forge Invocation Token naming the calling function
// (`app.module.type` core:endpoint) and no principal, as Forge documents for backend calls, and
// call the companion over real HTTP. `requestJira` answers Jira's permission check, "get issue"
// and the site's fields from the state, and reads of the site's projects, issue types and request
// types from fake-jira-site.ts. The same two calls also serve the bundled app
// (forge-runtime-stand-in.ts), below the modules.
import { platformState } from './forge-platform-state.js';
import { checkKey, checkWrite } from './kvs-limits.js';
import { fakeJiraRead } from './fake-jira-site.js';

type ForgeApi = typeof import('@forge/api');

export interface RemoteOptions {
  path: string;
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What the platform does for `invokeRemote('companion', …)`: a signed call to the remote's base URL. */
export async function callCompanion(remoteKey: string, options: RemoteOptions): Promise<Response> {
  if (remoteKey !== 'companion') throw new Error(`Invalid remote key provided: "${remoteKey}"`);
  const { issuer, companionUrl, functionKey, installationId } = platformState;
  platformState.remoteCalls.push({ moduleKey: functionKey, method: options.method ?? 'GET', path: options.path });
  platformState.remoteBodies.push(options.body === undefined ? undefined : JSON.parse(String(options.body)));
  const { jiraUrl, accountId } = platformState;
  const token = await issuer!.mint({ installationId, moduleKey: functionKey, moduleType: 'core:endpoint', ...(jiraUrl ? { apiBaseUrl: jiraUrl } : {}) });
  // The remote's `auth` (manifest): the app's token always, the user's when the invocation has one.
  const oauth: Record<string, string> = jiraUrl ? { 'x-forge-oauth-system': 'app-system-token', ...(accountId ? { 'x-forge-oauth-user': `user-token-${accountId}` } : {}) } : {};
  return fetch(`${companionUrl}${options.path}`, {
    method: options.method ?? 'GET',
    headers: { ...options.headers, ...oauth, authorization: `Bearer ${token}` },
    ...(options.body !== undefined ? { body: options.body as string } : {}),
  });
}

/** Jira's REST API as far as the app uses it, answered from the platform state. */
export async function callJira(path: string, init: { method?: string; body?: string } = {}, as: 'app' | 'user' = 'app'): Promise<Response> {
  platformState.jiraCalls.push(`${init.method ?? 'GET'} ${path}`);
  const written = writeIssue(path, init, as);
  if (written) return written;
  const read = (init.method ?? 'GET') === 'GET' ? fakeJiraRead(path) : undefined;
  if (read) return Response.json(read.body, { status: read.status });
  if (path === '/rest/api/3/field') {
    if ((init.method ?? 'GET') === 'GET') return Response.json(platformState.jiraFields.list());
    const created = platformState.jiraFields.create(JSON.parse(init.body ?? '{}'));
    return Response.json(created.body, { status: created.status });
  }
  const issueKey = /^\/rest\/api\/3\/issue\/([^/?]+)\?fields=project,issuetype$/.exec(path)?.[1];
  if (issueKey !== undefined && (init.method ?? 'GET') === 'GET') {
    const issue = platformState.issues.get(decodeURIComponent(issueKey));
    // Jira's answer for an issue it does not know (or the app may not see).
    if (!issue) return Response.json({ errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} }, { status: 404 });
    return Response.json({ expand: 'renderedFields', id: issue.id, self: `https://site.example/rest/api/3/issue/${issue.id}`, key: issue.key, fields: { project: { id: issue.projectId, key: issue.projectKey, name: 'Support' }, issuetype: { id: issue.issueTypeId, name: 'Service request' } } });
  }
  if (path !== '/rest/api/3/permissions/check') return Response.json({ errorMessages: ['not stubbed'] }, { status: 404 });
  const body = JSON.parse(init.body ?? '{}') as {
    accountId: string;
    globalPermissions?: string[];
    projectPermissions?: Array<{ permissions: string[]; issues: number[] }>;
  };
  const globalPermissions = (body.globalPermissions ?? []).filter((p) => p === 'ADMINISTER' && platformState.jiraAdmins.has(body.accountId));
  const projectPermissions = (body.projectPermissions ?? []).flatMap((req) =>
    req.permissions.map((permission) => ({
      permission,
      issues: req.issues.filter((i) => permission === 'EDIT_ISSUES' && platformState.issueEditors.has(`${body.accountId}:${i}`)),
    })),
  );
  return Response.json({ globalPermissions, projectPermissions });
}

/** Jira's Edit issue (`PUT /rest/api/3/issue/{key}`) and the app field value API (`PUT /rest/api/3/app/field/{field}/value`: the app only). */
function writeIssue(path: string, init: { method?: string; body?: string }, as: 'app' | 'user'): Response | undefined {
  if (init.method !== 'PUT') return undefined;
  const body = JSON.parse(init.body ?? '{}') as { fields?: Record<string, unknown>; updates?: Array<{ issueIds: number[]; value: unknown }> };
  const edit = /^\/rest\/api\/3\/issue\/([^/?]+)$/.exec(path);
  const appField = /^\/rest\/api\/3\/app\/field\/([^/?]+)\/value$/.exec(path);
  if (!edit && !appField) return undefined;
  platformState.jiraWrites.push({ as, method: 'PUT', path, body });
  if (edit) {
    const key = decodeURIComponent(edit[1]!);
    if (!platformState.issues.has(key)) return Response.json({ errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} }, { status: 404 });
    platformState.issueFields.set(key, { ...platformState.issueFields.get(key), ...body.fields });
    return new Response(null, { status: 204 });
  }
  if (as !== 'app') return Response.json({ errorMessages: ['Only the app that provides the field may set its value.'] }, { status: 403 });
  const field = decodeURIComponent(appField![1]!);
  for (const update of body.updates ?? []) {
    for (const id of update.issueIds) {
      const issue = [...platformState.issues.values()].find((i) => i.id === String(id));
      if (issue) platformState.issueFields.set(issue.key, { ...platformState.issueFields.get(issue.key), [field]: update.value });
    }
  }
  return new Response(null, { status: 204 });
}

export function forgeApiStub(actual: ForgeApi) {
  const requestJiraAs = (as: 'app' | 'user') => (path: { value: string }, init?: { method?: string; body?: string }) => callJira(path.value, init, as);
  return { ...actual, invokeRemote: callCompanion, asApp: () => ({ requestJira: requestJiraAs('app') }), asUser: () => ({ requestJira: requestJiraAs('user') }) };
}

/** @forge/kvs with Forge's documented limits: a value over 240 KiB or a key over 500 characters is refused. */
export const kvsStub = {
  get: async (key: string) => (checkKey(key), structuredClone(platformState.kvs.get(key))),
  set: async (key: string, value: unknown) => {
    checkWrite(key, value);
    platformState.kvs.set(key, structuredClone(value));
  },
  delete: async (key: string) => {
    checkKey(key);
    platformState.kvs.delete(key);
  },
};
