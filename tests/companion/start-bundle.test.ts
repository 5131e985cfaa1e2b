// `npm start` reuses the companion's bundle when nothing it was built from changed, and rebuilds it
// when something did (scripts/companion-bundle.mjs). A small project in a temporary folder stands in
// for the companion: the real esbuild builds it and the bundle runs under Node.
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureBundle } from '../../scripts/companion-bundle.mjs';

const run = async (file: string) => (await promisify(execFile)(process.execPath, [file])).stdout.trim();

describe('the companion bundle npm start runs', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function project() {
    const root = await mkdtemp(join(tmpdir(), 'oc-bundle-'));
    dirs.push(root);
    await mkdir(join(root, 'app', 'lib'), { recursive: true });
    await writeFile(join(root, 'package.json'), '{"type":"module"}');
    await writeFile(join(root, 'app', 'main.ts'), "import { word } from './lib/word.js';\nconsole.log(word satisfies string);\n");
    await writeFile(join(root, 'app', 'lib', 'word.ts'), "export const word: string = 'one';\n");
    const bundle = { root, entry: 'app/main.ts', outfile: join(root, 'dist', 'app', 'main.mjs') };
    return { root, bundle };
  }

  it('is built on the first start and reused while nothing changed', async () => {
    const { bundle } = await project();
    expect(await ensureBundle(bundle)).toEqual({ rebuilt: true });
    expect(await run(bundle.outfile)).toBe('one');
    expect(await ensureBundle(bundle)).toEqual({ rebuilt: false });
    expect(await ensureBundle(bundle)).toEqual({ rebuilt: false });
  });

  it('is rebuilt when an imported source changes, and then runs the new code', async () => {
    const { root, bundle } = await project();
    await ensureBundle(bundle);
    await writeFile(join(root, 'app', 'lib', 'word.ts'), "export const word: string = 'two';\n");
    expect(await ensureBundle(bundle)).toEqual({ rebuilt: true });
    expect(await run(bundle.outfile)).toBe('two');
    expect(await ensureBundle(bundle)).toEqual({ rebuilt: false });
  });

  it('is rebuilt when the lock file, package.json or tsconfig.json changes', async () => {
    const { root, bundle } = await project();
    await ensureBundle(bundle);
    await writeFile(join(root, 'package-lock.json'), '{"lockfileVersion":3}');
    expect(await ensureBundle(bundle)).toEqual({ rebuilt: true });
    await writeFile(join(root, 'package.json'), '{"type":"module","name":"x"}');
    expect(await ensureBundle(bundle)).toEqual({ rebuilt: true });
    await writeFile(join(root, 'tsconfig.json'), '{}');
    expect(await ensureBundle(bundle)).toEqual({ rebuilt: true });
    expect(await ensureBundle(bundle)).toEqual({ rebuilt: false });
  });

  it('is rebuilt when a file appears beside a source (it could change what an import resolves to)', async () => {
    const { root, bundle } = await project();
    await ensureBundle(bundle);
    await writeFile(join(root, 'app', 'lib', 'word.js'), "export const word = 'shadow';\n");
    expect(await ensureBundle(bundle)).toEqual({ rebuilt: true });
    expect(await ensureBundle(bundle)).toEqual({ rebuilt: false });
  });

  it('puts a dynamically imported source in a chunk of its own, and is rebuilt when that chunk is gone', async () => {
    const { root, bundle } = await project();
    await writeFile(join(root, 'app', 'main.ts'), "const { word } = await import('./lib/word.js');\nconsole.log(word);\n");
    expect(await ensureBundle(bundle)).toEqual({ rebuilt: true });
    const chunks = (await readdir(join(root, 'dist', 'app'))).filter((name) => name !== 'main.mjs');
    expect(chunks).toEqual([expect.stringMatching(/^word-[A-Z0-9]+\.mjs$/)]);
    expect(await run(bundle.outfile)).toBe('one');
    expect(await ensureBundle(bundle)).toEqual({ rebuilt: false });
    await rm(join(root, 'dist', 'app', chunks[0]!));
    expect(await ensureBundle(bundle)).toEqual({ rebuilt: true });
    expect(await run(bundle.outfile)).toBe('one');
  });

  it('is rebuilt when the bundle was replaced by something it did not record', async () => {
    const { bundle } = await project();
    await ensureBundle(bundle);
    await writeFile(bundle.outfile, "console.log('stale');\n");
    expect(await ensureBundle(bundle)).toEqual({ rebuilt: true });
    expect(await run(bundle.outfile)).toBe('one');
  });
});
