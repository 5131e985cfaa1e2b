// What the stubbed Forge platform knows during a test: where the companion listens, who signs the
// invocation tokens, which function is running for which user, and who is a Jira admin. The stubs
// of @forge/api and @forge/kvs (forge-module-stubs.ts) read it; tests set it.
import type { ForgeTokenIssuer } from '../../helpers/forge-tokens.js';
import { JiraSiteFields } from './jira-site-fields.js';

export interface RemoteCall {
  moduleKey: string;
  method: string;
  path: string;
}

/** An issue as Jira's "get issue" describes it (what the stub answers for `?fields=project,issuetype`). */
export interface StubIssue {
  id: string;
  key: string;
  projectId: string;
  projectKey: string;
  issueTypeId: string;
}

export const platformState = {
  companionUrl: '',
  issuer: undefined as ForgeTokenIssuer | undefined,
  installationId: 'install-a',
  /** The manifest function key of the running resolver: the token's app.module.key. */
  functionKey: '',
  /** Forge's context.accountId of the running invocation (the resolver sees it; the token does not). */
  accountId: undefined as string | undefined,
  /** Issues Jira knows, by key (portal requests are looked up by key). */
  issues: new Map<string, StubIssue>(),
  jiraAdmins: new Set<string>(),
  /** `${accountId}:${issueId}` pairs allowed EDIT_ISSUES. */
  issueEditors: new Set<string>(),
  remoteCalls: [] as RemoteCall[],
  /** The JSON body of each remote call (same order as remoteCalls), parsed. */
  remoteBodies: [] as unknown[],
  jiraCalls: [] as string[],
  kvs: new Map<string, unknown>(),
  /** Where the companion reaches the tenant's Jira (jira-rest-server.ts); empty: Forge sends it no Jira access. */
  jiraUrl: '',
  /** Connected field values per issue key: what Jira stores (read by both the app and the companion). */
  issueFields: new Map<string, Record<string, unknown>>(),
  /** Writes the app made through @forge/api, with the token kind it used. */
  jiraWrites: [] as Array<{ as: 'app' | 'user'; method: string; path: string; body: unknown }>,
  companionJiraReads: [] as Array<{ path: string; authorization: string | undefined }>,
  /** The site's Jira fields: kept across resetPlatform, like the site itself (a new test file starts a new site). */
  jiraFields: new JiraSiteFields(),
};

export function resetPlatform(companionUrl: string, issuer: ForgeTokenIssuer) {
  Object.assign(platformState, { companionUrl, issuer, functionKey: '', accountId: undefined, remoteCalls: [], remoteBodies: [], jiraCalls: [], jiraUrl: '', jiraWrites: [], companionJiraReads: [] });
  platformState.issueFields.clear();
  platformState.jiraAdmins.clear();
  platformState.issueEditors.clear();
  platformState.kvs.clear();
  platformState.issues.clear();
}
