// manifest.yml passes the same FULL validation the Forge CLI runs (module schemas, handler files
// under src/, resource paths, scopes, remotes), and keeps the keys the companion relies on.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import manifestPackage from '@forge/manifest';
import { DEFAULT_ADMIN_MODULE_KEYS, DEFAULT_FUNCTION_MODULE_KEYS } from '../../companion/config.js';

const { ProcessorBuilder, ValidationTypes } = manifestPackage;
// Forge's jira:customFieldType page lists `issue-transition` as an edit experience; the schema file of
// @forge/manifest 13.7 omits it from its enum (the validator accepts it).
const DOCUMENTED_BUT_NOT_IN_SCHEMA = ['issue-transition'];

describe('manifest.yml', () => {
  it('passes @forge/manifest FULL validation with no errors', async () => {
    const result = await ProcessorBuilder.instance().withValidation(ValidationTypes.FULL).build().process('manifest.yml');
    expect(result.errors ?? []).toEqual([]);
    expect(result.success).toBe(true);
  });

  it("takes the companion's base URL from COMPANION_BASE_URL at deploy time, with a default", async () => {
    const remoteOf = async () => {
      const result = await ProcessorBuilder.instance().withValidation(ValidationTypes.FULL).build().process('manifest.yml');
      const remotes = (result.manifestObject?.typedContent as { remotes?: Array<{ key: string; baseUrl: Record<string, string> }> }).remotes;
      return remotes?.find((r) => r.key === 'companion')?.baseUrl;
    };
    const before = process.env.COMPANION_BASE_URL;
    try {
      process.env.COMPANION_BASE_URL = 'https://companion.acme.test';
      expect((await remoteOf())?.default).toBe('https://companion.acme.test');
      delete process.env.COMPANION_BASE_URL;
      expect((await remoteOf())?.default).toBe('https://companion.open-connect.example.com');
    } finally {
      if (before === undefined) delete process.env.COMPANION_BASE_URL;
      else process.env.COMPANION_BASE_URL = before;
    }
  });

  it('declares the connected fields as field types with the experiences Forge documents, and no locked single field', async () => {
    const schema = JSON.parse(await readFile('node_modules/@forge/manifest/out/schema/manifest-schema.json', 'utf8'));
    const variants = schema.definitions.ModuleSchema.properties['jira:customFieldType'].items.oneOf as Array<Record<string, unknown>>;
    const allowed = new Set<string>(DOCUMENTED_BUT_NOT_IN_SCHEMA);
    const collect = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      const experience = (n.properties as Record<string, { items?: { enum?: string[] } }> | undefined)?.experience;
      experience?.items?.enum?.forEach((e) => allowed.add(e));
      Object.values(n).forEach(collect);
    };
    variants.forEach(collect);
    const unknownExperiences = (names: string[]) => names.filter((e) => !allowed.has(e));
    const result = await ProcessorBuilder.instance().withValidation(ValidationTypes.FULL).build().process('manifest.yml');
    const modules = (result.manifestObject?.typedContent as { modules: Record<string, Array<{ key: string; view: { experience: string[] }; edit: { experience: string[] } }>> }).modules;
    expect(modules['jira:customField']).toBeUndefined();
    const types = modules['jira:customFieldType']!;
    expect(types.map((t) => t.key).sort()).toEqual(['open-connect-object-field', 'open-connect-snapshot-field', 'open-connect-snapshot-list-field']);
    for (const type of types) {
      // issue-bulk-edit: Forge offers it for object types only (Preview).
      const bulk = type.key === 'open-connect-object-field' ? ['issue-bulk-edit'] : [];
      expect(type.edit.experience, type.key).toEqual(['issue-view', 'issue-create', 'issue-transition', 'portal-request', ...bulk]);
      // The validator lets unknown experience names through, so this check is what refuses them.
      expect(unknownExperiences([...type.view.experience, ...type.edit.experience]), type.key).toEqual([]);
    }
    expect(unknownExperiences(['issue-teleport'])).toEqual(['issue-teleport']);
  });

  it('declares the Automation steps, the value function and the JQL function with functions the companion knows', async () => {
    const result = await ProcessorBuilder.instance().withValidation(ValidationTypes.FULL).build().process('manifest.yml');
    type Module = { key: string; function?: string; actions?: string[]; inputs?: Record<string, { type: string; required: boolean }>; view?: { value?: { function: string } } };
    const content = result.manifestObject?.typedContent as { modules: Record<string, Module[]>; permissions: { scopes: string[] } };
    const modules = content.modules;
    expect(modules['automation:actionProvider']).toEqual([{ key: 'open-connect-automation', actions: ['refresh-connected-fields', 'set-connected-field'] }]);
    const actions = Object.fromEntries(modules.action!.map((a) => [a.key, a]));
    expect(Object.keys(actions['set-connected-field']!.inputs!)).toEqual(['issueKey', 'field', 'value', 'matchBy']);
    expect(Object.keys(actions['refresh-connected-fields']!.inputs!)).toEqual(['issueKey', 'fields']);
    expect(modules['jira:jqlFunction']!.map((f) => f.function)).toEqual(['jql-functions']);
    const valueFunctions = modules['jira:customFieldType']!.flatMap((t) => t.view?.value?.function ?? []);
    expect(valueFunctions).toEqual(['field-value', 'field-value']);
    const used = [...modules.action!.map((a) => a.function!), ...modules['jira:jqlFunction']!.map((f) => f.function!), ...valueFunctions];
    // Each of these functions' tokens must reach the companion's field automation routes.
    for (const key of used) expect(DEFAULT_FUNCTION_MODULE_KEYS, key).toContain(key);
    const functionKeys = modules.function!.map((f) => f.key);
    for (const key of used) expect(functionKeys, key).toContain(key);
    expect(content.permissions.scopes).toContain('write:jira-work');
  });

  it('declares the admin keys the companion allows, the lifecycle route and only the companion as egress', async () => {
    const text = await readFile('manifest.yml', 'utf8');
    for (const key of DEFAULT_ADMIN_MODULE_KEYS) expect(text).toMatch(new RegExp(`key: ${key}\\b`));
    expect(text).toMatch(/route:\s*\n\s*path: \/v1\/lifecycle/);
    expect(text).toMatch(/avi:forge:installed:app/);
    expect(text).toMatch(/avi:forge:upgraded:app/);
    expect(text).toMatch(/preUninstall:/);
    // No `external:` egress: the remote is the only place data goes.
    expect(text).not.toMatch(/^\s*external:/m);
    expect(text).toMatch(/useAsConfig: true/);
  });
});
