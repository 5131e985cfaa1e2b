// The field resolver for real, on a real companion and a real REST datasource: options, the
// recalculation of a child when its parent changes, render hints that need no companion, JQL
// suggestions, and the issue panel's permission check before any companion call.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { platformState } from './support/forge-platform-state.js';
import { ADMIN, ISSUE, PROJECT, USER, startForgeTestEnv, type ForgeTestEnv } from './support/forge-test-env.js';
import { CITY_FIELD, COUNTRY_FIELD } from '../../scripts/demo/country-city-config.js';

vi.mock('@forge/api', async (importOriginal) => (await import('./support/forge-module-stubs.js')).forgeApiStub(await importOriginal()));
vi.mock('@forge/kvs', async () => ({ kvs: (await import('./support/forge-module-stubs.js')).kvsStub }));

const handlers = await import('../../src/index.js');
const values = (options: Array<{ value: string }>) => options.map((o) => o.value);

describe('field resolver against a real companion', () => {
  let env: ForgeTestEnv;
  beforeAll(async () => {
    env = await startForgeTestEnv(handlers);
  });
  afterAll(async () => env?.close());
  beforeEach(async () => env.reset());

  it('saves render hints in Forge storage when an admin saves a field', async () => {
    expect(platformState.kvs.get(`render-hints:${CITY_FIELD}`)).toMatchObject({
      fieldId: env.config.city.id,
      name: 'City',
      editor: 'select',
      storage: 'object',
      dependsOn: [COUNTRY_FIELD],
    });
  });

  it('drops the render hints when an admin deletes the field', async () => {
    const field = await env.admin<{ id: string; key: string }>('fields/create', {
      jiraField: { create: true },
      field: { name: 'Temporary', datasourceId: env.config.datasource.id, editor: 'autocomplete', storage: 'snapshot', query: 'GET /countries', resultPath: '$.countries[*]', displayTemplate: '${row.name}' },
    });
    expect(platformState.kvs.get(`render-hints:${field.key}`)).toMatchObject({ editor: 'autocomplete', storage: 'snapshot' });
    await env.admin('fields/delete', { id: field.id });
    expect(platformState.kvs.has(`render-hints:${field.key}`)).toBe(false);
    expect((await env.field('field/renderHints', { fieldKey: field.key })).data).toBeNull();
  });

  it('offers the options of the datasource to any user, signed as the field resolver', async () => {
    const answer = await env.field('field/options', { fieldKey: COUNTRY_FIELD });
    expect(answer.ok).toBe(true);
    expect(answer.data.options).toEqual([
      { id: 'FR', value: 'France' },
      { id: 'DE', value: 'Germany' },
      { id: 'JP', value: 'Japan' },
    ]);
    expect(platformState.remoteCalls).toEqual([{ moduleKey: 'field-resolver', method: 'POST', path: `/v1/fields/${COUNTRY_FIELD}/options` }]);
    expect(platformState.jiraCalls).toEqual([]);
  });

  it("recalculates the child when the parent changes and says whether the child's value still fits", async () => {
    const recalc = (city: unknown) =>
      env.field('field/recalculate', { changed: [COUNTRY_FIELD], fields: { [COUNTRY_FIELD]: { id: 'FR', value: 'France' }, [CITY_FIELD]: city } });
    const stale = await recalc({ id: 'ber', value: 'Berlin' });
    expect(stale.data.fields).toHaveLength(1);
    expect(stale.data.fields[0]).toMatchObject({ key: CITY_FIELD, valueValid: false });
    expect(values(stale.data.fields[0].options)).toEqual(['Paris', 'Lyon']);
    const fine = await recalc({ id: 'par', value: 'Paris' });
    expect(fine.data.fields[0].valueValid).toBe(true);
    expect(env.sample.requests).toContain('/cities?country=FR');
  });

  it("templates with the user Forge names, whatever user the UI's payload claims", async () => {
    const field = await env.admin<{ id: string; key: string }>('fields/create', {
      jiraField: { create: true },
      field: { name: 'Who', datasourceId: env.config.datasource.id, editor: 'select', storage: 'object', query: 'GET /countries?for=$currentUser.accountId', resultPath: '$.countries[*]', idTemplate: '${row.code}', displayTemplate: '${row.name}' },
    });
    // The configuration tester forwards the page's context: its user is the resolver's to set.
    const preview = await env.admin<{ evaluatedQuery: { text: string } }>('fields/preview', { id: field.id, context: { user: { accountId: 'someone-else' }, issue: { key: 'DEMO-9' } } });
    expect(platformState.remoteBodies.at(-1)).toEqual({ context: { issue: { key: 'DEMO-9' }, user: { accountId: ADMIN } } });
    expect(preview.evaluatedQuery.text).toContain(`for=${ADMIN}`);
    expect(JSON.stringify(preview)).not.toContain('someone-else');
    // The field UI's options: the body names the user the invocation runs for.
    const options = await env.field('field/options', { fieldKey: field.key, fields: {} });
    expect(options.ok).toBe(true);
    expect(platformState.remoteBodies.at(-1)).toMatchObject({ context: { user: { accountId: USER } } });
    expect(env.sample.requests).toContain(`/countries?for=${USER}`);
    await env.admin('fields/delete', { id: field.id });
  });

  it('refuses bad input before calling the companion', async () => {
    expect((await env.field('field/options', { fieldKey: '../admin/datasources' })).error.status).toBe(400);
    expect((await env.field('field/recalculate', { changed: [] })).error.status).toBe(400);
    expect(platformState.remoteCalls).toEqual([]);
  });

  it('serves render hints from Forge storage while the companion is down', async () => {
    platformState.companionUrl = 'http://127.0.0.1:1';
    const hints = await env.field('field/renderHints', { fieldKey: COUNTRY_FIELD });
    expect(hints).toMatchObject({ ok: true, data: { name: 'Country', editor: 'select' } });
    expect(platformState.remoteCalls).toEqual([]);
    const options = await env.field('field/options', { fieldKey: COUNTRY_FIELD });
    expect(options.error.code).toBe('companion_unreachable');
  });

  it('runs the configuration tester with dependency overrides for an admin', async () => {
    const preview = await env.admin<{ options: Array<{ value: string }>; timings: { totalMs: number }; evaluatedQuery: { text: string } }>(
      'fields/preview',
      { id: env.config.city.id, overrides: { [COUNTRY_FIELD]: { id: 'JP', value: 'Japan' } } },
    );
    expect(values(preview.options)).toEqual(['Tokyo', 'Osaka']);
    expect(preview.evaluatedQuery.text).toContain('country=JP');
    expect(preview.timings.totalMs).toBeGreaterThanOrEqual(0);
  });

  it('answers JQL search suggestions: display values for the field and its value aliases, ids for its id aliases', async () => {
    // The argument Jira documents for the searchSuggestions function.
    const event = (query: string, searchAlias?: string) => ({
      fieldId: COUNTRY_FIELD,
      fieldType: 'ari:cloud:ecosystem::extension/app/env/static/open-connect-object-field',
      fieldName: 'Country',
      query,
      ...(searchAlias ? { searchAlias } : {}),
      user: { accountId: USER },
      context: { cloudId: 'cloud-1' },
    });
    expect(await handlers.searchSuggestions(event('an'))).toEqual(['France', 'Germany', 'Japan']);
    expect(await handlers.searchSuggestions(event('an', 'ConnectedValue'))).toEqual(['France', 'Germany', 'Japan']);
    expect(await handlers.searchSuggestions(event('fra', 'ConnectedId'))).toEqual([{ value: 'FR', label: 'France' }]);
    expect(await handlers.searchSuggestions({ ...event(''), fieldId: 'not-a-field' })).toEqual([]);
  });

  it('lets only users who may edit the issue write its connected items', async () => {
    const put = (accountId: string) =>
      env.field('issueItems/put', { items: [] }, { accountId, extension: { issue: ISSUE, project: PROJECT } });
    const refused = await put(USER);
    expect(refused).toMatchObject({ ok: false, error: { status: 403 } });
    expect(platformState.remoteCalls).toEqual([]);
    platformState.issueEditors.add(`${ADMIN}:${ISSUE.id}`);
    const allowed = await put(ADMIN);
    expect(platformState.remoteCalls).toEqual([{ moduleKey: 'field-resolver', method: 'PUT', path: `/v1/issues/${ISSUE.id}/items` }]);
    expect(allowed.ok, JSON.stringify(allowed)).toBe(true);
  });
});
