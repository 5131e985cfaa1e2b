// The Forge code builds as deployable bundles (esbuild here; `forge deploy` bundles the same
// entries): the function handlers for Node, every UI Kit resource for the browser. The bundles'
// inputs also prove the app's boundary: nothing from companion/ but its contract.
import { describe, expect, it } from 'vitest';
import { build, type Metafile } from 'esbuild';
import { readFile } from 'node:fs/promises';

const projectInputs = (metafile: Metafile) => Object.keys(metafile.inputs).filter((path) => !path.startsWith('node_modules/'));
const outsideTheApp = (path: string) => !/^(forge|src)\//.test(path) && !path.startsWith('companion/contract/');

describe('Forge bundles', () => {
  it('bundles the function handlers for Node with only forge/ and src/ code', async () => {
    const result = await build({ entryPoints: ['src/index.ts'], bundle: true, platform: 'node', format: 'cjs', write: false, metafile: true, logLevel: 'silent' });
    expect(result.errors).toEqual([]);
    const inputs = projectInputs(result.metafile);
    expect(inputs).toContain('forge/resolvers/build-resolvers.ts');
    expect(inputs.filter(outsideTheApp)).toEqual([]);
    const code = result.outputFiles[0]!.text;
    for (const name of ['adminResolver', 'fieldResolver', 'searchSuggestions']) expect(code).toContain(name);
  });

  it('bundles every UI Kit resource of the manifest for the browser', async () => {
    const manifest = await readFile('manifest.yml', 'utf8');
    const paths = [...manifest.matchAll(/^\s+path: (forge\/ui\/entries\/\S+\.tsx)$/gm)].map((m) => m[1]!);
    expect(paths).toHaveLength(4);
    for (const entry of paths) {
      const result = await build({
        entryPoints: [entry],
        bundle: true,
        platform: 'browser',
        format: 'esm',
        jsx: 'automatic',
        write: false,
        metafile: true,
        logLevel: 'silent',
        define: { 'process.env.NODE_ENV': '"production"' },
      });
      expect(result.errors, entry).toEqual([]);
      const inputs = projectInputs(result.metafile);
      expect(inputs.filter(outsideTheApp), entry).toEqual([]);
      // A browser bundle must not pull in server-side Forge code.
      expect(Object.keys(result.metafile.inputs).some((p) => p.includes('node_modules/@forge/api/')), entry).toBe(false);
    }
  });
});
