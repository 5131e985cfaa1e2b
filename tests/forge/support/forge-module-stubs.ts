// The Forge platform, stubbed at its module boundary only. `invokeRemote` does what the platform
// does: mint an RS256 Forge Invocation Token for the calling function and user, and call the
// companion over real HTTP. `asApp().requestJira` answers Jira's permission check from the state.
// The same two calls also serve the bundled app (forge-runtime-stand-in.ts), below the modules.
import { platformState } from './forge-platform-state.js';

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
  const { issuer, companionUrl, functionKey, accountId, installationId } = platformState;
  platformState.remoteCalls.push({ moduleKey: functionKey, method: options.method ?? 'GET', path: options.path });
  const token = await issuer!.mint({ installationId, moduleKey: functionKey, moduleType: 'core:function', ...(accountId ? { principal: accountId } : {}) });
  return fetch(`${companionUrl}${options.path}`, {
    method: options.method ?? 'GET',
    headers: { ...options.headers, authorization: `Bearer ${token}` },
    ...(options.body !== undefined ? { body: options.body as string } : {}),
  });
}

/** Jira's REST API as far as the app uses it, answered from the platform state. */
export async function callJira(path: string, init: { method?: string; body?: string } = {}): Promise<Response> {
  platformState.jiraCalls.push(`${init.method ?? 'GET'} ${path}`);
  if (path === '/rest/api/3/field') {
    if ((init.method ?? 'GET') === 'GET') return Response.json(platformState.jiraFields.list());
    const created = platformState.jiraFields.create(JSON.parse(init.body ?? '{}'));
    return Response.json(created.body, { status: created.status });
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

export function forgeApiStub(actual: ForgeApi) {
  const requestJira = (path: { value: string }, init?: { method?: string; body?: string }) => callJira(path.value, init);
  return { ...actual, invokeRemote: callCompanion, asApp: () => ({ requestJira }), asUser: () => ({ requestJira }) };
}

export const kvsStub = {
  get: async (key: string) => structuredClone(platformState.kvs.get(key)),
  set: async (key: string, value: unknown) => {
    platformState.kvs.set(key, structuredClone(value));
  },
  delete: async (key: string) => {
    platformState.kvs.delete(key);
  },
};
