// The Forge platform as the resolvers see it: the remote call, the Jira permission check and the app's
// key-value storage. The deployed app uses `forgePlatform` (the real @forge packages); `npm run demo`
// supplies a local one, so the very same resolver code runs without an Atlassian account.
import { asApp, invokeRemote, route } from '@forge/api';
import { kvs } from '@forge/kvs';

export interface RemoteResponse {
  ok: boolean;
  status: number;
  text(): Promise<string>;
}

export interface RemoteRequest {
  path: string;
  method: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
}

export interface ForgePlatform {
  invokeRemote(remoteKey: string, request: RemoteRequest): Promise<RemoteResponse>;
  /** Whether the account holds Jira's global ADMINISTER permission. */
  isJiraAdmin(accountId: string): Promise<boolean>;
  /** Whether the account may edit the issue (connected item values belong to the issue). */
  canEditIssue(accountId: string, issueId: string): Promise<boolean>;
  kvs: KeyValueStore;
}

/** POST /rest/api/3/permissions/check as the app, for the calling user's account. */
async function checkPermissions(body: unknown): Promise<{ globalPermissions?: string[]; projectPermissions?: Array<{ permission: string; issues?: number[] }> } | null> {
  const response = await asApp().requestJira(route`/rest/api/3/permissions/check`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  // A refusal or an outage means "not allowed": the check fails closed.
  return response.ok ? response.json() : null;
}

export const forgePlatform: ForgePlatform = {
  invokeRemote: (remoteKey, request) => invokeRemote(remoteKey, request),
  async isJiraAdmin(accountId) {
    const answer = await checkPermissions({ accountId, globalPermissions: ['ADMINISTER'] });
    return answer?.globalPermissions?.includes('ADMINISTER') === true;
  },
  async canEditIssue(accountId, issueId) {
    const id = Number(issueId);
    if (!Number.isSafeInteger(id)) return false;
    const answer = await checkPermissions({ accountId, projectPermissions: [{ permissions: ['EDIT_ISSUES'], issues: [id] }] });
    return answer?.projectPermissions?.some((p) => p.permission === 'EDIT_ISSUES' && p.issues?.includes(id)) === true;
  },
  kvs: {
    get: <T>(key: string) => kvs.get<T>(key),
    set: async (key, value) => {
      await kvs.set(key, value as never);
    },
    delete: (key) => kvs.delete(key),
  },
};
