// Lifecycle and product events exactly as Atlassian documents them (Forge docs "Life cycle events",
// manifest reference "Pre-uninstall trigger", events reference "Jira"), for the companion's tests.

const INSTALLATION = 'fff8e466-31f4-4c73-a337-c3309dd930dc';
const APP = { id: '406d303d-0393-4ec4-ad7c-1435be94583a', ownerAccountId: '3bc8aa0c52dc1b310a791d34', name: 'open-connect' };
const ENVIRONMENT = { id: '23863033-1de4-4ebf-b30d-c906264a1e92' };
const SOMEONE = '4ad9aa0c52dc1b420a791d12';

export const installedEvent = (installerAccountId = SOMEONE) =>
  ({ eventType: 'avi:forge:installed:app', id: INSTALLATION, installerAccountId, app: { ...APP, version: '9.0.0' }, environment: ENVIRONMENT });

export const upgradedEvent = (upgraderAccountId = SOMEONE) => ({
  eventType: 'avi:forge:upgraded:app',
  id: INSTALLATION,
  upgraderAccountId,
  app: { ...APP, version: '10.0.0' },
  environment: ENVIRONMENT,
  permissions: { scopes: ['read:jira-work', 'storage:app'] },
});

/** The preUninstall body: no eventType. */
export const preUninstallBody = (cloudId = 'cloud-1') => ({
  context: { cloudId, moduleKey: 'open-connect-uninstall' },
  contextToken: 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImZvcmdlL2NvbnRleHQtdG9rZW4ifQ.eyJjb250ZXh0Ijp7fX0.c2lnbmF0dXJl',
});

export const issueDeletedEvent = (issueId: string, key = `SUP-${issueId}`) => ({
  eventType: 'avi:jira:deleted:issue',
  selfGenerated: false,
  issue: { id: issueId, key, fields: { summary: 'A deleted issue', issuetype: { id: '10001' }, project: { id: '10000', key: key.split('-')[0] } } },
  atlassianId: SOMEONE,
  associatedUsers: [{ accountId: SOMEONE }],
});

/** As a remote may receive it: the event under `payload`, with the retry context Forge adds. */
export const wrapped = (event: unknown, retryCount = 0) => ({ payload: { ...(event as object), ...(retryCount > 0 ? { retryContext: { retryData: null, retryCount, retryReason: 'TIMEOUT_ERROR' } } : {}) } });
