// Forge lifecycle events as Forge delivers them (docs: "Life cycle events", "Pre-uninstall trigger"):
// installed and upgraded with their eventType on /v1/lifecycle, preUninstall's {context,
// contextToken} on its own endpoint, bare or wrapped in `payload`; event types matched exactly; and
// only the platform's deliveries to those endpoints get in: any other token gets 403 and changes
// nothing. The same for the issue-deleted trigger's /v1/events/jira.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseKinds } from '../helpers/databases.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import {
  AS_ADMIN_RESOLVER,
  AS_FIELD_RESOLVER,
  AS_ISSUE_EVENTS_ENDPOINT,
  AS_LIFECYCLE_ENDPOINT,
  AS_UNINSTALL_ENDPOINT,
  asIssuePanelUser,
  type TokenClaims,
} from '../helpers/forge-tokens.js';
import { installedEvent, issueDeletedEvent, preUninstallBody, upgradedEvent, wrapped } from '../helpers/forge-events.js';

const DAY = 86_400_000;
const errorShape = { error: { code: expect.any(String), message: expect.any(String) } };

/** Every caller that is not the platform delivering to the endpoint in question. */
const NOT_THE_PLATFORM: Array<[string, TokenClaims]> = [
  ["a user's UI-module token", asIssuePanelUser('acc-user')],
  ['the admin page with its admin', { moduleKey: 'open-connect-admin', moduleType: 'jira:adminPage', principal: 'acc-admin' }],
  ["the admin resolver's token", AS_ADMIN_RESOLVER],
  ["the field resolver's token", AS_FIELD_RESOLVER],
  ['a UI module claiming an endpoint key', { moduleKey: 'companion-uninstall', moduleType: 'jira:issuePanel', principal: 'acc-user' }],
  ['an endpoint key with a principal', { ...AS_UNINSTALL_ENDPOINT, ...AS_LIFECYCLE_ENDPOINT, principal: 'acc-user' }],
];

describe.each(databaseKinds())('Forge lifecycle as delivered on %s', (kind) => {
  let c: TestCompanion;
  beforeAll(async () => {
    c = await startTestCompanion(kind);
  });
  afterAll(async () => c?.close());

  const install = (installationId: string, body: unknown = installedEvent()) => c.call('POST', '/v1/lifecycle', { installationId, ...AS_LIFECYCLE_ENDPOINT, body });
  const uninstall = (installationId: string, body: unknown = preUninstallBody()) => c.call('POST', '/v1/lifecycle/uninstall', { installationId, ...AS_UNINSTALL_ENDPOINT, body });
  /** The tenant row and its audit lines: what a refused call must leave exactly as it was. */
  const stateOf = async (installationId: string) => {
    const tenant = await c.db.tenant.findUniqueOrThrow({ where: { installationId } });
    const audit = await c.db.auditEvent.findMany({ where: { tenantId: tenant.id }, orderBy: [{ at: 'asc' }, { id: 'asc' }] });
    return { tenant, audit };
  };

  it('records installed and upgraded, bare or wrapped in payload, with who did it', async () => {
    const first = await install('life-a', installedEvent('acc-installer'));
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ tenant: { installationId: 'life-a', state: 'installed', purgeAt: null } });
    const again = await install('life-a', wrapped(upgradedEvent('acc-upgrader'), 2));
    expect(again.statusCode, again.body).toBe(200);
    const { tenant, audit } = await stateOf('life-a');
    expect(tenant.installedAt?.toISOString()).toBe(c.clock.now().toISOString());
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['tenant.installed', 'acc-installer'],
      ['tenant.upgraded', 'acc-upgrader'],
    ]);
  });

  it('marks the tenant for purge in 30 days on the documented preUninstall body, bare or wrapped, and a reinstall cancels it', async () => {
    await install('life-b');
    const gone = await uninstall('life-b');
    expect(gone.statusCode, gone.body).toBe(200);
    const purgeAt = new Date(c.clock.now().getTime() + 30 * DAY).toISOString();
    expect(gone.json()).toEqual({ tenant: { installationId: 'life-b', state: 'uninstalled', purgeAt } });
    const { tenant, audit } = await stateOf('life-b');
    expect(tenant.purgeAt?.toISOString()).toBe(purgeAt);
    expect(audit.at(-1)).toMatchObject({ action: 'tenant.uninstalled', actor: null, after: { preUninstall: 'open-connect-uninstall' } });
    // Neither the context token nor anything else of the body is kept.
    expect(JSON.stringify(audit)).not.toContain(preUninstallBody().contextToken);

    expect((await install('life-b')).json().tenant.purgeAt).toBeNull();
    expect((await uninstall('life-b', wrapped(preUninstallBody()))).json().tenant.purgeAt).toBe(purgeAt);
    expect((await install('life-b', wrapped(installedEvent()))).json().tenant.purgeAt).toBeNull();
    expect((await c.db.tenant.findUniqueOrThrow({ where: { installationId: 'life-b' } })).purgeAt).toBeNull();
  });

  it('matches event types exactly: nothing that merely looks like an uninstall purges a tenant', async () => {
    await install('life-c');
    const before = await stateOf('life-c');
    for (const eventType of ['avi:forge:uninstalled:app', 'preUninstall', 'uninstall', 'avi:forge:installed:app:x', 'AVI:FORGE:INSTALLED:APP', 'avi:jira:deleted:issue']) {
      const res = await install('life-c', { ...installedEvent(), eventType });
      expect(res.statusCode, eventType).toBe(422);
      expect(res.json()).toEqual({ error: { code: 'unsupported_event', message: expect.stringContaining(eventType) } });
    }
    // The old, made-up shape on the uninstall endpoint, and the preUninstall body where an event type is due.
    for (const [url, body] of [
      ['/v1/lifecycle/uninstall', { eventType: 'avi:forge:uninstalled:app' }],
      ['/v1/lifecycle/uninstall', { context: { cloudId: 'cloud-1' }, contextToken: 'x' }],
      ['/v1/lifecycle/uninstall', {}],
      ['/v1/lifecycle', preUninstallBody()],
      ['/v1/lifecycle', {}],
      ['/v1/lifecycle', { payload: { eventType: 7 } }],
    ] as const) {
      const claims = url.endsWith('uninstall') ? AS_UNINSTALL_ENDPOINT : AS_LIFECYCLE_ENDPOINT;
      const res = await c.call('POST', url, { installationId: 'life-c', ...claims, body });
      expect(res.statusCode, `${url} ${JSON.stringify(body)}`).toBe(400);
      expect(res.json()).toEqual({ error: { code: 'invalid_event', message: expect.any(String) } });
    }
    expect(await stateOf('life-c')).toEqual(before);
  });

  it.each(NOT_THE_PLATFORM)("refuses %s on the lifecycle and uninstall routes with 403, changing nothing", async (_name, claims) => {
    await install('life-d');
    const before = await stateOf('life-d');
    for (const [url, body] of [
      ['/v1/lifecycle', installedEvent()],
      ['/v1/lifecycle/uninstall', preUninstallBody()],
    ] as const) {
      const res = await c.call('POST', url, { installationId: 'life-d', ...claims, body });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(403);
      expect(res.json()).toEqual(errorShape);
    }
    expect(await stateOf('life-d')).toEqual(before);
  });

  it("takes each endpoint's own delivery only: another endpoint's token is refused", async () => {
    await install('life-e');
    const before = await stateOf('life-e');
    const cases: Array<[string, TokenClaims, unknown]> = [
      ['/v1/lifecycle/uninstall', AS_LIFECYCLE_ENDPOINT, preUninstallBody()],
      ['/v1/lifecycle/uninstall', AS_ISSUE_EVENTS_ENDPOINT, preUninstallBody()],
      ['/v1/lifecycle', AS_UNINSTALL_ENDPOINT, installedEvent()],
      ['/v1/lifecycle', AS_ISSUE_EVENTS_ENDPOINT, installedEvent()],
      ['/v1/events/jira', AS_LIFECYCLE_ENDPOINT, issueDeletedEvent('10001')],
    ];
    for (const [url, claims, body] of cases) {
      expect((await c.call('POST', url, { installationId: 'life-e', ...claims, body })).statusCode, `${url} as ${claims.moduleKey}`).toBe(403);
    }
    expect(await stateOf('life-e')).toEqual(before);
    // The module that points at the endpoint (the trigger / preUninstall key) is the same delivery.
    expect((await c.call('POST', '/v1/lifecycle/uninstall', { installationId: 'life-e', moduleKey: 'open-connect-uninstall', moduleType: 'core:endpoint', body: preUninstallBody() })).statusCode).toBe(200);
  });

  let eventsTenant = 0;
  it.each(NOT_THE_PLATFORM)('refuses %s on the Jira events route with 403, dropping nothing', async (_name, claims) => {
    const who = `life-f-${(eventsTenant += 1)}`;
    await install(who);
    const ds = (await c.call('POST', '/v1/admin/datasources', { installationId: who, body: { name: 'S', type: 'static', config: { format: 'json', data: '[{"id":"1","name":"One"}]' } } })).json();
    const item = (await c.call('POST', '/v1/admin/items', { installationId: who, body: { key: 'connected_item_1', name: 'I', datasourceId: ds.id, editor: 'select', idTemplate: '${row.id}', displayTemplate: '${row.name}' } })).json();
    const put = await c.call('PUT', '/v1/issues/10001/items', { installationId: who, ...AS_FIELD_RESOLVER, body: { items: [{ itemId: item.id, values: [{ id: '1' }] }] } });
    expect(put.statusCode, put.body).toBe(200);
    const values = () => c.db.itemValue.findMany({ where: { issueId: '10001', itemId: item.id } });
    const before = await values();
    const res = await c.call('POST', '/v1/events/jira', { installationId: who, ...claims, body: issueDeletedEvent('10001') });
    expect(res.statusCode, res.body).toBe(403);
    expect(await values()).toEqual(before);
    // The trigger's own delivery, wrapped in payload, does drop them.
    const delivered = await c.call('POST', '/v1/events/jira', { installationId: who, ...AS_ISSUE_EVENTS_ENDPOINT, body: wrapped(issueDeletedEvent('10001'), 1) });
    expect(delivered.json()).toEqual({ handled: true, deleted: 1 });
  });
});
