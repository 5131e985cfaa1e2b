// The Forge platform on a laptop, for `npm run demo`: `invokeRemote` signs a Forge Invocation Token
// for the running function as the platform does (a function's token names the function and carries
// no principal: the resolver puts the user in the body), with a local stand-in for Atlassian's
// signing key whose JWKS the companion trusts, and calls the companion over HTTP; Jira answers that
// the demo admin is an admin and lists a small site's projects, types and fields; Forge storage is
// in memory, with Forge's limits. The resolvers on top of it are the app's own.
import type { ForgePlatform, IssueLocation, RemoteRequest } from '../../forge/platform/forge-platform.js';
import type { ForgeTokenIssuer } from '../../tests/helpers/forge-tokens.js';
import { JiraSiteFields } from '../../tests/forge/support/jira-site-fields.js';
import { JiraRequestError } from '../../forge/platform/forge-platform.js';
import { checkWrite } from '../../tests/forge/support/kvs-limits.js';
import { fakeJiraRead } from '../../tests/forge/support/fake-jira-site.js';
import type { JiraIssueState } from '../../tests/forge/support/jira-rest-server.js';

export interface LocalInvocation {
  /** The function (or, for a platform delivery, the endpoint) whose token the next calls carry. */
  functionKey: string;
}

export interface LocalForgePlatform extends ForgePlatform {
  /** The module the next calls run as (the platform knows this in production). */
  current: LocalInvocation;
  companionUrl: string;
  remoteCalls: string[];
  site: JiraSiteFields;
  /** Where the companion reaches this site's Jira (a jira-rest-server.ts on loopback), once started. */
  jiraUrl: string;
  /** What the site's Jira stores (issues, field values), shared with that server. */
  jira: JiraIssueState;
  /** Every write the app made, with its token kind. */
  jiraWrites: string[];
  /** The user the running invocation is for (Forge's context.accountId). */
  accountId: string | undefined;
}

export function localForgePlatform(options: { issuer: ForgeTokenIssuer; companionUrl: string; admins: string[]; installationId: string; issues?: IssueLocation[] }): LocalForgePlatform {
  const storage = new Map<string, string>();
  const site = new JiraSiteFields();
  const jira: JiraIssueState = { issues: new Map((options.issues ?? []).map((i) => [i.key, { ...i, projectKey: i.projectKey ?? '' }])), issueFields: new Map(), companionJiraReads: [] };
  const setFields = (key: string, fields: Record<string, unknown>) => jira.issueFields.set(key, { ...jira.issueFields.get(key), ...fields });
  const platform: LocalForgePlatform = {
    current: { functionKey: 'field-resolver' },
    companionUrl: options.companionUrl,
    remoteCalls: [],
    site,
    jiraUrl: '',
    jira,
    jiraWrites: [],
    accountId: undefined,
    async invokeRemote(remoteKey: string, request: RemoteRequest) {
      if (remoteKey !== 'companion') throw new Error(`Invalid remote key provided: "${remoteKey}"`);
      platform.remoteCalls.push(`${request.method} ${request.path}`);
      const token = await options.issuer.mint({
        installationId: options.installationId,
        moduleKey: platform.current.functionKey,
        moduleType: 'core:endpoint',
        ...(platform.jiraUrl ? { apiBaseUrl: platform.jiraUrl } : {}),
      });
      // The remote's `auth` (manifest): Forge sends the app's Jira token, and the user's when there is one.
      const oauth: Record<string, string> = platform.jiraUrl ? { 'x-forge-oauth-system': 'demo-app-token', ...(platform.accountId ? { 'x-forge-oauth-user': 'demo-user-token' } : {}) } : {};
      return fetch(`${platform.companionUrl}${request.path}`, {
        method: request.method,
        headers: { ...request.headers, ...oauth, authorization: `Bearer ${token}` },
        ...(request.body !== undefined ? { body: request.body } : {}),
      });
    },
    findIssue: async (key) => options.issues?.find((issue) => issue.key === key),
    readJira: async (path) => fakeJiraRead(path) ?? { status: 404, body: { errorMessages: ['Not found'] } },
    isJiraAdmin: async (accountId) => options.admins.includes(accountId),
    canEditIssue: async () => true,
    jiraAsUser: {
      findIssue: async (key) => options.issues?.find((issue) => issue.key === key),
      async editIssue(key, fields) {
        platform.jiraWrites.push(`PUT /rest/api/3/issue/${key} as the user: ${JSON.stringify(fields)}`);
        setFields(key, fields);
      },
    },
    async setAppFieldValue(fieldKey, issueIds, value) {
      platform.jiraWrites.push(`PUT /rest/api/3/app/field/${fieldKey}/value as the app`);
      for (const issue of jira.issues.values()) if (issueIds.includes(issue.id)) setFields(issue.key, { [fieldKey]: value });
    },
    jiraFields: {
      list: async () => site.list(),
      async create(field) {
        const answer = site.create(field);
        if (answer.status !== 201) throw new JiraRequestError(answer.status, 'A name and a type are required');
        return answer.body as ReturnType<JiraSiteFields['list']>[number];
      },
    },
    kvs: {
      get: async <T>(key: string) => (storage.has(key) ? (JSON.parse(storage.get(key)!) as T) : undefined),
      set: async (key, value) => {
        checkWrite(key, value); // as Forge's store refuses: values up to 240 KiB, keys up to 500 characters
        storage.set(key, JSON.stringify(value));
      },
      delete: async (key) => {
        storage.delete(key);
      },
    },
  };
  return platform;
}
