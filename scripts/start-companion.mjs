// `npm start`: bundles the companion's TypeScript into one ES module with esbuild (the packages in
// node_modules stay external: Node loads them itself) and runs it. Running the sources through tsx
// instead cost ~1.2 s more CPU a start, because its loader hooks see every one of the ~1,000
// modules Node loads; the bundle takes esbuild ~0.2 s.
import { build } from 'esbuild';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath, pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url);
// Two levels below the root, as the sources are, so that paths the companion resolves from its own
// file (prisma/migrations) stay right. dist/ is not in git.
const outfile = fileURLToPath(new URL('dist/companion/server.mjs', root));

const result = await build({
  entryPoints: [fileURLToPath(new URL('companion/server.ts', root))],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outfile,
  write: false,
  logLevel: 'warning',
});
// Written aside, then renamed: another `npm start` at the same moment never imports a half-written file.
const temporary = `${outfile}.${process.pid}.tmp`;
await mkdir(dirname(outfile), { recursive: true });
await writeFile(temporary, result.outputFiles[0].contents);
await rename(temporary, outfile);
await import(pathToFileURL(outfile).href);
