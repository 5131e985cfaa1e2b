// The app as `forge deploy` builds it: Atlassian's own bundler and linter, run offline from this
// checkout (scripts/forge/forge-build.ts, in a child process as the CLI runs them). Every handler the
// manifest names is exported by its bundle and answers real calls (the built code, with the Forge
// runtime's platform calls answered by a real companion, Jira and storage stand-ins); every UI Kit
// resource builds; the client-side linters find nothing; and nothing from companion/ but its
// contract goes into any bundle. `npm run forge:check` runs this file alone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ForgeBuildReport } from '../../scripts/forge/forge-build.js';
import { startTestCompanion, type TestCompanion } from '../helpers/test-companion.js';
import { startSampleRestDatasource, type SampleRestDatasource } from '../../scripts/demo/sample-rest-datasource.js';
import { configureSampleTenant, CITY_FIELD, COUNTRY_FIELD } from '../../scripts/demo/country-city-config.js';
import { platformState, resetPlatform } from './support/forge-platform-state.js';
import { callResolver } from './support/call-resolver.js';
import { installForgeRuntime } from './support/forge-runtime-stand-in.js';

const ADMIN = 'account-admin';
const USER = 'account-user';
const FIELD_CONTEXT = { issue: { id: '10100', key: 'DEMO-1', typeId: '10001' }, project: { id: '10000', key: 'DEMO' } };

type Handler = Parameters<typeof callResolver>[0];
interface Bundle {
  adminResolver: Handler;
  fieldResolver: Handler;
  searchSuggestions: (event: unknown) => Promise<unknown>;
}

let out: string;
let report: ForgeBuildReport;
let bundle: Bundle;
let companion: TestCompanion;
let sample: SampleRestDatasource;
let uninstallRuntime: () => void;

/** The source files a bundle was made from, read from its source map (webpack://open-connect/./path). */
async function bundledSources(mapFile: string): Promise<string[]> {
  const map = JSON.parse(await readFile(mapFile, 'utf8')) as { sources: string[] };
  return map.sources.map((s) => s.replace(/^webpack:\/\/[^/]*\/(\.\/)?/, ''));
}
// Node built-ins show as `external node-commonjs "fs"`, webpack's own runtime as `webpack/…`.
const projectFiles = (sources: string[]) => sources.filter((s) => !s.startsWith('webpack/') && !s.startsWith('external ') && !s.includes('node_modules/'));
const outsideTheApp = (path: string) => !/^(forge|src)\//.test(path) && !path.startsWith('companion/contract/');

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'open-connect-forge-build-test-'));
  const build = promisify(execFile)(process.execPath, ['scripts/forge/forge-build.cjs', out], { maxBuffer: 16 * 1024 * 1024 });
  [companion, sample] = await Promise.all([startTestCompanion('embedded', { env: { COMPANION_EGRESS_ALLOW: '127.0.0.1' } }), startSampleRestDatasource()]);
  await build;
  report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as ForgeBuildReport;
  uninstallRuntime = installForgeRuntime();
  bundle = createRequire(import.meta.url)(join(report.functionsDir, 'index.cjs')) as Bundle;
  resetPlatform(await companion.app.listen({ port: 0, host: '127.0.0.1' }), companion.issuer);
  platformState.jiraAdmins.add(ADMIN);
}, 20 * 60_000);

afterAll(async () => {
  uninstallRuntime?.();
  await sample?.close();
  await companion?.close();
  if (out) await rm(out, { recursive: true, force: true });
});

describe("the Forge app built by Atlassian's bundler", () => {
  it('bundles every function handler of the manifest, each exported by its bundle, with the runtime files beside it', async () => {
    const manifest = await readFile('manifest.yml', 'utf8');
    const named = [...manifest.matchAll(/^\s+handler: (\S+)$/gm)].map((m) => m[1]!).sort();
    expect(named.length).toBeGreaterThan(0);
    expect(report.handlers.map((h) => `${h.module}.${h.func}`).sort()).toEqual(named);
    const load = createRequire(import.meta.url);
    for (const { module, func } of report.handlers) {
      expect(typeof (load(join(report.functionsDir, `${module}.cjs`)) as Record<string, unknown>)[func], `${module}.${func}`).toBe('function');
    }
    expect(report.functionFiles).toEqual(expect.arrayContaining(['index.cjs', '__forge__.cjs', '__forge_wrapper__.cjs', 'runtime.json']));
  });

  it('answers real admin, field and search calls from the built code, against a real companion', async () => {
    const admin = async <T,>(definition: string, payload: Record<string, unknown> = {}): Promise<T> => {
      const answer = await callResolver<T>(bundle.adminResolver, 'admin-resolver', definition, payload, { accountId: ADMIN });
      if (!answer.ok) throw new Error(`${definition}: ${answer.error.status} ${answer.error.message}`);
      return answer.data;
    };
    const refused = await callResolver(bundle.adminResolver, 'admin-resolver', 'datasources/list', {}, { accountId: USER });
    expect(refused).toMatchObject({ ok: false, error: { status: 403, code: 'forbidden' } });

    const config = await configureSampleTenant(admin, sample.url);
    expect(config.city.dependsOn).toEqual([COUNTRY_FIELD]);
    expect(await companion.db.field.count({ where: { deletedAt: null } })).toBe(2);

    const options = await callResolver(bundle.fieldResolver, 'field-resolver', 'field/options', { fieldKey: CITY_FIELD, fields: { [COUNTRY_FIELD]: { id: 'FR', value: 'France' } } }, { accountId: USER, extension: FIELD_CONTEXT });
    expect(options).toMatchObject({ ok: true, data: { options: [{ value: 'Paris' }, { value: 'Lyon' }] } });
    // Render hints went through Forge storage when the field was saved, and come back from it.
    const hints = await callResolver(bundle.fieldResolver, 'field-resolver', 'field/renderHints', { fieldKey: CITY_FIELD }, { accountId: USER, extension: FIELD_CONTEXT });
    expect(hints).toMatchObject({ ok: true, data: { fieldKey: CITY_FIELD, name: 'City', dependsOn: [COUNTRY_FIELD] } });

    platformState.functionKey = 'search-suggestions';
    const suggest = { fieldId: COUNTRY_FIELD, fieldName: 'Country', query: 'fra', searchAlias: 'ConnectedId', user: { accountId: USER }, context: { cloudId: 'cloud-1' } };
    expect(await bundle.searchSuggestions(suggest)).toEqual([{ value: 'FR', label: 'France' }]);
    expect(sample.requests).toContain('/cities?country=FR');
  });

  it('bundles every UI Kit resource into a page that loads its script', async () => {
    const manifest = await readFile('manifest.yml', 'utf8');
    const declared = [...manifest.matchAll(/^\s+path: (forge\/ui\/entries\/\S+\.tsx)$/gm)].map((m) => m[1]!).sort();
    expect(report.resources.map((r) => r.path).sort()).toEqual(declared);
    for (const resource of report.resources) {
      const html = await readFile(join(resource.dir, 'index.html'), 'utf8');
      expect(html, resource.key).toContain(`src="${resource.key}.js"`);
      expect(resource.files, resource.key).toContain(`${resource.key}.js`);
    }
  });

  it('puts nothing from companion/ but its contract into any bundle, and no server-side Forge code into the browser', async () => {
    const functionSources = await bundledSources(join(report.functionsDir, 'index.cjs.map'));
    expect(projectFiles(functionSources)).toContain('forge/resolvers/build-resolvers.ts');
    expect(projectFiles(functionSources).filter(outsideTheApp)).toEqual([]);
    for (const resource of report.resources) {
      const maps = resource.files.filter((f) => f.endsWith('.js.map'));
      const sources = (await Promise.all(maps.map((m) => bundledSources(join(resource.dir, m))))).flat();
      expect(projectFiles(sources), resource.key).toContain(resource.path);
      expect(projectFiles(sources).filter(outsideTheApp), resource.key).toEqual([]);
      expect(sources.some((s) => s.includes('node_modules/@forge/api/')), resource.key).toBe(false);
    }
  });

  it("passes @forge/lint's local linters with no error", () => {
    expect(report.lint.filesLinted).toBeGreaterThan(0);
    expect(report.lint.errors).toEqual([]);
  });
});
