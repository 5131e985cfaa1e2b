// `npm start`: bundles the companion's TypeScript into one ES module with esbuild and runs it. Most
// packages in node_modules stay external (Node loads them itself); scripts/companion-bundle.mjs says
// which are compiled in, and skips the build when the bundle is already that of the files on disk.
// Running the sources through tsx instead cost ~1.2 s more CPU a start, because its loader hooks see
// every one of the ~1,000 modules Node loads.
import { URL, fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBundle } from './companion-bundle.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// Two levels below the root, as the sources are, so that paths the companion resolves from its own
// file (prisma/migrations) stay right. dist/ is not in git.
const outfile = fileURLToPath(new URL('../dist/companion/server.mjs', import.meta.url));

await ensureBundle({ root, entry: 'companion/server.ts', outfile });
await import(pathToFileURL(outfile).href);
