// Calling the tenant's own Jira: at the token's `app.apiBaseUrl`, as the user when Forge sent the
// user's token (`x-forge-oauth-user`), else as the app (`x-forge-oauth-system`). Tokens come with
// each request and are used for that request only: never stored, never logged.
import type { CallerContext } from './query-pipeline-types.js';
import { UpstreamError } from './upstream-errors.js';

/** Whether Jira is called as the user (their token wins over the app's). */
export const callsJiraAsUser = (caller: CallerContext) => caller.forgeTokens.user !== undefined;

export function jiraAccess(caller: CallerContext, what: string): { baseUrl: string; authorization: string } {
  if (!caller.apiBaseUrl) throw new UpstreamError(422, 'jira_unavailable', `${what}: the request carries no Jira API base URL`);
  const token = callsJiraAsUser(caller) ? caller.forgeTokens.user : caller.forgeTokens.system;
  if (!token) {
    throw new UpstreamError(422, 'jira_unavailable', `${what}: Forge sent no token for calling Jira (x-forge-oauth-user or x-forge-oauth-system)`);
  }
  return { baseUrl: caller.apiBaseUrl, authorization: `Bearer ${token}` };
}
