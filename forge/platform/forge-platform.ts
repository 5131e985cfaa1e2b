// The Forge platform as the resolvers see it: the remote call, the Jira permission check and the app's
// key-value storage. The deployed app uses `forgePlatform` (the real @forge packages); `npm run demo`
// supplies a local one, so the very same resolver code runs without an Atlassian account.
import { asApp, asUser, assumeTrustedRoute, invokeRemote, route } from '@forge/api';
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

/** A Jira field as `GET /rest/api/3/field` lists it; `schema.custom` is the field's type id. */
export interface JiraField {
  id: string;
  name: string;
  schema?: { type?: string; custom?: string };
}

export class JiraRequestError extends Error {
  override name = 'JiraRequestError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Where an issue sits: what the connected item mappings are matched on. */
export interface IssueLocation {
  id: string;
  key: string;
  projectId: string;
  projectKey: string | undefined;
  issueTypeId: string;
}

/** A Jira REST answer: its status and parsed JSON body (null when there is none). */
export interface JiraAnswer {
  status: number;
  body: unknown;
}

export interface ForgePlatform {
  invokeRemote(remoteKey: string, request: RemoteRequest): Promise<RemoteResponse>;
  /**
   * The issue behind a key, read as the app (the portal's customers may not read Jira themselves:
   * asUser is not allowed for them). Undefined when Jira does not know it.
   */
  findIssue(issueKey: string): Promise<IssueLocation | undefined>;
  /**
   * GET a Jira REST resource as the app (the admin page's project, issue type and request type
   * pickers). `path` is built by forge/admin/jira-path.ts, which escapes every dynamic part.
   */
  readJira(path: string): Promise<JiraAnswer>;
  /** Whether the account holds Jira's global ADMINISTER permission. */
  isJiraAdmin(accountId: string): Promise<boolean>;
  /** Whether the account may edit the issue (connected item values belong to the issue). */
  canEditIssue(accountId: string, issueId: string): Promise<boolean>;
  /** The site's Jira fields, read and created as the calling admin (creating needs Administer Jira). */
  jiraFields: {
    list(): Promise<JiraField[]>;
    create(field: { name: string; description: string; type: string }): Promise<JiraField>;
  };
  /**
   * Jira as the user the invocation runs for (an Automation rule's connection user, a person bulk
   * editing): Jira applies that user's permissions and screens.
   */
  jiraAsUser: {
    /** GET /rest/api/3/issue/{key}?fields=project,issuetype: undefined when the user cannot see it. */
    findIssue(issueKey: string): Promise<IssueLocation | undefined>;
    /** PUT /rest/api/3/issue/{key} with `{fields}`; throws JiraRequestError with Jira's words when refused. */
    editIssue(issueKey: string, fields: Record<string, unknown>): Promise<void>;
  };
  /**
   * PUT /rest/api/3/app/field/{field}/value as the app: the only way to set a read-only field of the
   * app's own types (Edit issue refuses them). Callers check the acting user's EDIT_ISSUES first.
   */
  setAppFieldValue(fieldKey: string, issueIds: string[], value: unknown): Promise<void>;
  kvs: KeyValueStore;
}

/** Jira's own words when it refuses (`errorMessages`, `errors`), for the admin to read. */
async function jiraAnswer<T>(response: { ok: boolean; status: number; text(): Promise<string> }): Promise<T> {
  const text = await response.text();
  const body = (text ? JSON.parse(text) : undefined) as (T & { errorMessages?: string[]; errors?: Record<string, string> }) | undefined;
  if (response.ok) return body as T;
  const said = [...(body?.errorMessages ?? []), ...Object.values(body?.errors ?? {})].join('; ');
  throw new JiraRequestError(response.status, said || `Jira answered ${response.status}`);
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

const idOf = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);

/** GET /rest/api/3/issue/{key}?fields=project,issuetype: `{id, key, fields: {project: {id, key}, issuetype: {id}}}`. */
async function findIssue(issueKey: string, as: typeof asApp = asApp): Promise<IssueLocation | undefined> {
  const response = await as().requestJira(route`/rest/api/3/issue/${issueKey}?fields=project,issuetype`, { headers: { accept: 'application/json' } });
  if (!response.ok) return undefined;
  const issue = (await response.json()) as { id?: unknown; key?: unknown; fields?: { project?: { id?: unknown; key?: unknown }; issuetype?: { id?: unknown } } };
  const [id, projectId, issueTypeId] = [idOf(issue.id), idOf(issue.fields?.project?.id), idOf(issue.fields?.issuetype?.id)];
  if (!id || !projectId || !issueTypeId) return undefined;
  return { id, key: idOf(issue.key) ?? issueKey, projectId, projectKey: idOf(issue.fields?.project?.key), issueTypeId };
}

export const forgePlatform: ForgePlatform = {
  invokeRemote: (remoteKey, request) => invokeRemote(remoteKey, request),
  findIssue: (issueKey) => findIssue(issueKey),
  async readJira(path) {
    const response = await asApp().requestJira(assumeTrustedRoute(path), { headers: { accept: 'application/json' } });
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    return { status: response.status, body };
  },
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
  jiraFields: {
    list: async () => jiraAnswer<JiraField[]>(await asUser().requestJira(route`/rest/api/3/field`, { headers: { accept: 'application/json' } })),
    create: async (field) =>
      jiraAnswer<JiraField>(
        await asUser().requestJira(route`/rest/api/3/field`, {
          method: 'POST',
          headers: { accept: 'application/json', 'content-type': 'application/json' },
          body: JSON.stringify(field),
        }),
      ),
  },
  jiraAsUser: {
    findIssue: (issueKey) => findIssue(issueKey, asUser),
    async editIssue(issueKey, fields) {
      await jiraAnswer(
        await asUser().requestJira(route`/rest/api/3/issue/${issueKey}`, {
          method: 'PUT',
          headers: { accept: 'application/json', 'content-type': 'application/json' },
          body: JSON.stringify({ fields }),
        }),
      );
    },
  },
  async setAppFieldValue(fieldKey, issueIds, value) {
    await jiraAnswer(
      await asApp().requestJira(route`/rest/api/3/app/field/${fieldKey}/value`, {
        method: 'PUT',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify({ updates: [{ issueIds: issueIds.map(Number), value }] }),
      }),
    );
  },
  kvs: {
    get: <T>(key: string) => kvs.get<T>(key),
    set: async (key, value) => {
      await kvs.set(key, value as never);
    },
    delete: (key) => kvs.delete(key),
  },
};
