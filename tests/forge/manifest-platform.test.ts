// The manifest and the companion agree on who may call what: the endpoints the platform delivers
// lifecycle and Jira events to (and the modules pointing at them) are exactly the keys the companion
// takes on those routes; the functions whose body may name the user are the manifest's functions;
// and the portal modules let customers in with the user types Atlassian documents for each module.
import { describe, expect, it } from 'vitest';
import manifestPackage from '@forge/manifest';
import { DEFAULT_FUNCTION_MODULE_KEYS, PLATFORM_ENDPOINT_KEYS } from '../../companion/config.js';

const { ProcessorBuilder, ValidationTypes } = manifestPackage;

type Module = { key: string; endpoint?: string; events?: string[]; route?: { path: string }; resolver?: { function?: string; endpoint?: string }; unlicensedAccess?: string[]; edit?: { experience?: string[] }; view?: { experience?: string[] } };
type Modules = Record<string, Module[]>;

async function modules(): Promise<Modules> {
  const result = await ProcessorBuilder.instance().withValidation(ValidationTypes.FULL).build().process('manifest.yml');
  expect(result.errors ?? []).toEqual([]);
  return (result.manifestObject?.typedContent as { modules: Modules }).modules;
}

describe('manifest.yml and the companion agree on callers', () => {
  it('delivers each platform event to its own endpoint, whose keys are the ones the companion takes', async () => {
    const m = await modules();
    const endpoint = (key: string) => m.endpoint!.find((e) => e.key === key);
    const expectations = [
      { keys: PLATFORM_ENDPOINT_KEYS.lifecycle, route: '/v1/lifecycle', module: 'trigger', events: ['avi:forge:installed:app', 'avi:forge:upgraded:app'] },
      { keys: PLATFORM_ENDPOINT_KEYS.uninstall, route: '/v1/lifecycle/uninstall', module: 'preUninstall', events: undefined },
      { keys: PLATFORM_ENDPOINT_KEYS.jiraEvents, route: '/v1/events/jira', module: 'trigger', events: ['avi:jira:deleted:issue'] },
    ];
    for (const { keys, route, module, events } of expectations) {
      const [endpointKey, moduleKey] = keys;
      expect(endpoint(endpointKey)?.route?.path, endpointKey).toBe(route);
      const pointing = m[module]!.filter((t) => t.endpoint === endpointKey);
      expect(pointing.map((t) => t.key), `${module} → ${endpointKey}`).toEqual([moduleKey]);
      expect(pointing[0]!.events).toEqual(events);
    }
    // No UI module resolves through a platform endpoint, and every key is unique to its module.
    const platformKeys = Object.values(PLATFORM_ENDPOINT_KEYS).flat() as string[];
    const all = Object.values(m).flat();
    expect(all.filter((mod) => mod.resolver?.endpoint && platformKeys.includes(mod.resolver.endpoint))).toEqual([]);
    for (const key of platformKeys) expect(all.filter((mod) => mod.key === key), key).toHaveLength(1);
  });

  it("believes a body's user only from the manifest's own functions, none of which is an endpoint", async () => {
    const m = await modules();
    expect(m.function!.map((f) => f.key).sort()).toEqual([...DEFAULT_FUNCTION_MODULE_KEYS].sort());
    expect((m.endpoint ?? []).filter((e) => (DEFAULT_FUNCTION_MODULE_KEYS as string[]).includes(e.key))).toEqual([]);
  });

  it('lets portal customers use the portal panel and the fields on the portal, never anonymously', async () => {
    const m = await modules();
    // jiraServiceManagement:portalRequestDetail "supports interaction with customer accounts and
    // unlicensed accounts. It does not support anonymous access" (Forge manifest reference).
    const portal = m['jiraServiceManagement:portalRequestDetail']!;
    expect(portal.map((p) => p.unlicensedAccess)).toEqual([['customer', 'unlicensed']]);
    // Custom fields: valid values are unlicensed, customer and anonymous; every field module with a
    // portal experience lets customers in (anonymous users would all share the account `unidentified`).
    const fields = [...(m['jira:customField'] ?? []), ...(m['jira:customFieldType'] ?? [])];
    const onPortal = fields.filter((f) => [...(f.edit?.experience ?? []), ...(f.view?.experience ?? [])].some((e) => e.startsWith('portal-')));
    expect(onPortal.length).toBeGreaterThan(0);
    for (const field of onPortal) {
      expect(field.unlicensedAccess, field.key).toEqual(expect.arrayContaining(['customer']));
      expect(field.unlicensedAccess, field.key).not.toContain('anonymous');
      for (const type of field.unlicensedAccess!) expect(['unlicensed', 'customer', 'anonymous']).toContain(type);
    }
  });
});
