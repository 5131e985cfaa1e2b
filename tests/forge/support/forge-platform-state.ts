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

export const platformState = {
  companionUrl: '',
  issuer: undefined as ForgeTokenIssuer | undefined,
  installationId: 'install-a',
  /** The manifest function key of the running resolver: the token's app.module.key. */
  functionKey: '',
  accountId: undefined as string | undefined,
  jiraAdmins: new Set<string>(),
  /** `${accountId}:${issueId}` pairs allowed EDIT_ISSUES. */
  issueEditors: new Set<string>(),
  remoteCalls: [] as RemoteCall[],
  jiraCalls: [] as string[],
  kvs: new Map<string, unknown>(),
  /** The site's Jira fields: kept across resetPlatform, like the site itself (a new test file starts a new site). */
  jiraFields: new JiraSiteFields(),
};

export function resetPlatform(companionUrl: string, issuer: ForgeTokenIssuer) {
  Object.assign(platformState, { companionUrl, issuer, functionKey: '', accountId: undefined, remoteCalls: [], jiraCalls: [] });
  platformState.jiraAdmins.clear();
  platformState.issueEditors.clear();
  platformState.kvs.clear();
}
