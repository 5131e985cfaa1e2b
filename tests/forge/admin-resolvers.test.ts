// The admin resolver for real (@forge/resolver), reaching a real companion over real HTTP through a
// stub of invokeRemote that signs like the platform. Only Jira admins get through, and they are
// checked before the companion hears anything.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { platformState, resetPlatform } from './support/forge-platform-state.js';
import { callResolver } from './support/call-resolver.js';

vi.mock('@forge/api', async (importOriginal) => (await import('./support/forge-module-stubs.js')).forgeApiStub(await importOriginal()));
vi.mock('@forge/kvs', async () => ({ kvs: (await import('./support/forge-module-stubs.js')).kvsStub }));

const { adminResolver, fieldResolver } = await import('../../src/index.js');

const ADMIN = 'account-admin';
const USER = 'account-user';
const datasource = {
  name: 'CRM',
  type: 'rest',
  config: { baseUrl: 'https://crm.example.com/api', testPath: '/health', auth: { mode: 'basic', username: 'svc' } },
  secrets: { password: 'hunter2-very-secret' },
};

describe('admin resolver against a real companion', () => {
  let c: TestCompanion;
  let url: string;
  beforeAll(async () => {
    c = await startTestCompanion('embedded');
    url = await c.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => c?.close());
  beforeEach(() => {
    resetPlatform(url, c.issuer);
    platformState.jiraAdmins.add(ADMIN);
  });

  it('creates, lists, updates and deletes a datasource for a Jira admin; secrets never come back', async () => {
    const created = await callResolver(adminResolver, 'admin-resolver', 'datasources/create', { datasource }, { accountId: ADMIN });
    expect(created.ok).toBe(true);
    expect(created.data).toMatchObject({ name: 'CRM', version: 1, secrets: { password: true } });
    expect(JSON.stringify(created)).not.toContain('hunter2');
    expect(platformState.remoteCalls.at(-1)).toEqual({ moduleKey: 'admin-resolver', method: 'POST', path: '/v1/admin/datasources' });

    // The companion stored it for the token's tenant, by the admin's account.
    const row = await c.db.datasource.findUnique({ where: { id: created.data.id } });
    expect(row?.name).toBe('CRM');

    const list = await callResolver(adminResolver, 'admin-resolver', 'datasources/list', {}, { accountId: ADMIN });
    expect(list.data.datasources.map((d: { id: string }) => d.id)).toContain(created.data.id);

    const update = { ...datasource, secrets: undefined, name: 'CRM 2', version: 1 };
    const updated = await callResolver(adminResolver, 'admin-resolver', 'datasources/update', { id: created.data.id, datasource: update }, { accountId: ADMIN });
    expect(updated.data).toMatchObject({ name: 'CRM 2', version: 2, secrets: { password: true } });

    const stale = await callResolver(adminResolver, 'admin-resolver', 'datasources/update', { id: created.data.id, datasource: update }, { accountId: ADMIN });
    expect(stale).toMatchObject({ ok: false, error: { status: 409, code: 'version_conflict' } });

    const removed = await callResolver(adminResolver, 'admin-resolver', 'datasources/delete', { id: created.data.id }, { accountId: ADMIN });
    expect(removed).toEqual({ ok: true, data: { deleted: true } });
    const gone = await callResolver(adminResolver, 'admin-resolver', 'datasources/get', { id: created.data.id }, { accountId: ADMIN });
    expect(gone.error.status).toBe(404);
  });

  it('refuses a user who is not a Jira admin before any companion call', async () => {
    for (const [definition, payload] of [
      ['datasources/list', {}],
      ['datasources/create', { datasource }],
      ['fields/list', {}],
      ['support/exportFile', { part: 0 }],
      ['mappings/put', { document: { version: 1, mappings: [] } }],
      ['mappings/patch', { version: 1, set: [] }],
      ['jira/projects', {}],
    ] as const) {
      const answer = await callResolver(adminResolver, 'admin-resolver', definition, payload, { accountId: USER });
      expect(answer, definition).toMatchObject({ ok: false, error: { status: 403, code: 'forbidden' } });
    }
    const anonymous = await callResolver(adminResolver, 'admin-resolver', 'datasources/list', {});
    expect(anonymous.error.status).toBe(403);
    expect(platformState.remoteCalls).toEqual([]);
    // Jira was asked about the user (and nobody asked about the anonymous caller), and nothing else.
    expect(platformState.jiraCalls.filter((call) => call.endsWith('/permissions/check')).length).toBe(7);
    expect(platformState.jiraCalls.every((call) => call.endsWith('/permissions/check'))).toBe(true);
    expect(await c.db.datasource.count({ where: { name: 'CRM', deletedAt: null } })).toBe(0);
  });

  it("shows the companion's own error to the admin", async () => {
    const answer = await callResolver(adminResolver, 'admin-resolver', 'datasources/create', { datasource: { name: 'x', type: 'ftp' } }, { accountId: ADMIN });
    expect(answer.ok).toBe(false);
    expect(answer.error.status).toBe(400);
    expect(answer.error.message).toMatch(/type/i);
    const missing = await callResolver(adminResolver, 'admin-resolver', 'datasources/get', {}, { accountId: ADMIN });
    expect(missing).toMatchObject({ ok: false, error: { status: 400, message: 'id is required' } });
  });

  it('tells the admin when the companion cannot be reached', async () => {
    platformState.companionUrl = 'http://127.0.0.1:1';
    const answer = await callResolver(adminResolver, 'admin-resolver', 'datasources/list', {}, { accountId: ADMIN });
    expect(answer).toMatchObject({ ok: false, error: { status: 503, code: 'companion_unreachable' } });
  });

  it('names the admin in the audit: the resolver puts Forge\'s accountId in the body of its principal-less call', async () => {
    const created = await callResolver(adminResolver, 'admin-resolver', 'datasources/create', { datasource: { ...datasource, name: 'Audited' } }, { accountId: ADMIN });
    expect(created.ok).toBe(true);
    expect(platformState.remoteBodies.at(-1)).toMatchObject({ name: 'Audited', context: { user: { accountId: ADMIN } } });
    await callResolver(adminResolver, 'admin-resolver', 'datasources/delete', { id: created.data.id }, { accountId: ADMIN });
    const audit = await callResolver(adminResolver, 'admin-resolver', 'support/audit', { limit: 10 }, { accountId: ADMIN });
    const lines = audit.data.events.filter((e: { entityId: string }) => e.entityId === created.data.id);
    expect(lines.map((e: { action: string; actor: string }) => [e.action, e.actor])).toEqual([
      ['datasource.deleted', ADMIN],
      ['datasource.created', ADMIN],
    ]);
  });

  it('keeps admin operations off the field resolver, whose token the companion refuses on /v1/admin', async () => {
    await expect(callResolver(fieldResolver, 'field-resolver', 'datasources/list', {}, { accountId: ADMIN })).rejects.toThrow(/no definition/);
    const token = await c.issuer.mint({ moduleKey: 'field-resolver', moduleType: 'core:endpoint' });
    const direct = await fetch(`${url}/v1/admin/datasources`, { headers: { authorization: `Bearer ${token}` } });
    expect(direct.status).toBe(403);
  });
});
