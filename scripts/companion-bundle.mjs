// The companion's bundle for `npm start` (scripts/start-companion.mjs): one ES module made by esbuild,
// rebuilt only when what it was built from changed. Bundling costs ~0.3 s and ~0.2 s of CPU (loading
// esbuild and its service process); checking costs a few milliseconds.
//
// The bundle's first line records the key it was built for and the project files it contains. The
// key is a SHA-256 of: this file and the build options, package.json, package-lock.json (so an
// upgraded package rebuilds), tsconfig.json, every contained file's path and contents, exactly as
// esbuild read them, and the names in each folder holding one (a file added next to them could change
// how an import resolves). A start recomputes it from the files on disk and rebuilds unless it is
// the recorded one; a bundle without that line (or no bundle) is rebuilt too.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { URL } from 'node:url';

const HEADER = '// open-connect bundle ';
/** Files outside node_modules that decide how the sources compile, besides the sources themselves. */
const PROJECT_FILES = ['package.json', 'package-lock.json', 'tsconfig.json'];
/**
 * Packages compiled into the bundle instead of being loaded from node_modules by Node: TypeBox 1.x is
 * ~680 small ES modules, and Node's loader costs more per module (resolve, read, compile) than their
 * code does. Only packages that find no file of their own at run time belong here.
 */
export const BUNDLED_PACKAGES = ['typebox'];

const selfSource = readFile(new URL(import.meta.url));

function buildOptions(root, entry, outfile) {
  return {
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // A dynamic import of the project's own code becomes a file of its own (a chunk beside the
    // bundle, named by a hash of its contents), loaded only when it runs: server.ts starts the
    // embedded database before the rest of the companion is loaded.
    splitting: true,
    outdir: dirname(outfile),
    entryNames: basename(outfile, '.mjs'),
    chunkNames: '[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    write: false,
    logLevel: 'warning',
    absWorkingDir: root,
  };
}

const packageName = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
const inNodeModules = (path) => path.split(sep).includes('node_modules');

// Synchronous: nothing else runs yet, and ~150 small reads cost a third of the time this way.
function readOrNull(path) {
  try {
    return readFileSync(path);
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * The key for a bundle of `sources` (paths relative to root → their contents; null = absent).
 */
async function bundleKey(root, entry, outfile, sources) {
  const hash = createHash('sha256');
  const part = (label, bytes) => {
    hash.update(`${label}\0${bytes === null ? -1 : bytes.length}\0`);
    if (bytes !== null) hash.update(bytes);
  };
  part('builder', await selfSource);
  part('options', JSON.stringify({ ...buildOptions('', entry, relative(root, outfile)), bundled: BUNDLED_PACKAGES, node: process.versions.modules }));
  for (const file of PROJECT_FILES) part(file, readOrNull(join(root, file)));
  const names = [...sources.keys()].sort();
  for (const name of names) part(`source ${name}`, sources.get(name));
  for (const folder of [...new Set(names.map((name) => dirname(name)))].sort()) {
    let listing;
    try {
      listing = readdirSync(join(root, folder));
    } catch {
      listing = ['(missing)'];
    }
    part(`folder ${folder}`, Buffer.from(listing.sort().join('\0')));
  }
  return hash.digest('hex');
}

/** The key, source list and chunk list recorded in `outfile`'s first line, or undefined. */
async function recorded(outfile) {
  const handle = await open(outfile, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const chunk = Buffer.alloc(256 * 1024);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, 0);
    const text = chunk.subarray(0, bytesRead).toString('utf8');
    const end = text.indexOf('\n');
    if (!text.startsWith(HEADER) || end < 0) return undefined;
    const { key, sources, chunks } = JSON.parse(text.slice(HEADER.length, end));
    return typeof key === 'string' && Array.isArray(sources) && Array.isArray(chunks) ? { key, sources, chunks } : undefined;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

async function build(root, entry, outfile) {
  const esbuild = await import('esbuild');
  // What esbuild compiles of the project's own files, byte for byte: the key is made from these, so
  // a file edited while the build runs cannot end up recorded as contained at its new contents.
  const sources = new Map();
  const capture = {
    name: 'open-connect-sources',
    setup(b) {
      // Bare specifiers: the listed packages are compiled in, every other one stays external.
      b.onResolve({ filter: /^[^./]/ }, (args) =>
        isAbsolute(args.path) || BUNDLED_PACKAGES.includes(packageName(args.path)) ? undefined : { external: true },
      );
      b.onLoad({ filter: /.*/, namespace: 'file' }, async (args) => {
        const contents = await readFile(args.path);
        if (!inNodeModules(relative(root, args.path))) sources.set(relative(root, args.path), contents);
        return { contents, loader: 'default' };
      });
    },
  };
  const result = await esbuild.build({ ...buildOptions(root, entry, outfile), plugins: [capture] });
  const key = await bundleKey(root, entry, outfile, sources);
  const main = result.outputFiles.find((file) => file.path === outfile);
  const chunks = result.outputFiles.filter((file) => file !== main);
  const header = `${HEADER}${JSON.stringify({ key, sources: [...sources.keys()].sort(), chunks: chunks.map((c) => basename(c.path)).sort() })}\n`;
  // Each file written aside, then renamed: another start at the same moment never imports a
  // half-written one. The chunks first (their names are their contents' hash, so a chunk another
  // bundle refers to is never replaced by different code), the bundle that refers to them last.
  await mkdir(dirname(outfile), { recursive: true });
  const put = async (path, contents) => {
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, contents);
    await rename(temporary, path);
  };
  for (const chunk of chunks) await put(chunk.path, chunk.contents);
  await put(outfile, Buffer.concat([Buffer.from(header), main.contents]));
  await removeOldChunks(outfile, new Set(chunks.map((c) => basename(c.path))));
}

/**
 * Chunks of earlier builds go once they are an hour old: a start that read an earlier bundle a moment
 * ago may still be about to load its chunks.
 */
async function removeOldChunks(outfile, current) {
  const folder = dirname(outfile);
  const prefix = `${basename(outfile, '.mjs')}.`;
  for (const name of await readdir(folder)) {
    if (!name.endsWith('.mjs') || name.startsWith(prefix) || name === basename(outfile) || current.has(name)) continue;
    const path = join(folder, name);
    const info = await stat(path).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > 3_600_000) await rm(path, { force: true });
  }
}

/**
 * Makes sure `outfile` is the bundle of `entry` (both relative to `root`) for the files as they are
 * now, building it if not. Returns whether it was built.
 */
export async function ensureBundle({ root, entry, outfile }) {
  const previous = await recorded(outfile);
  if (previous) {
    const sources = new Map(previous.sources.map((name) => [name, readOrNull(join(root, name))]));
    const chunksThere = previous.chunks.every((name) => existsSync(join(dirname(outfile), name)));
    if (chunksThere && (await bundleKey(root, entry, outfile, sources)) === previous.key) return { rebuilt: false };
  }
  await build(root, entry, outfile);
  return { rebuilt: true };
}
