// What `forge deploy` does on the developer's machine before it uploads anything, run offline with
// Atlassian's own packages, driven the way the Forge CLI drives them (@forge/cli 13.3's dependency
// wiring and packager): `ConfigFile` reads manifest.yml; `getNodeBundler` bundles every function
// handler (webpack + ts-loader with the app's tsconfig.json); `NativeUIBundler` bundles every UI Kit
// resource; `@forge/lint`'s client-side linters check the same files `forge lint` reads. Only two
// things differ from a deploy, both because they need the network: the runtime wrapper the node
// bundler downloads is a local stand-in (FORGE_RUNTIME_PATH, as the CLI supports), and the scope
// linter (PermissionLinter: it downloads Jira's API spec) is left out. Nothing is uploaded.
import { ConfigFile, FileSystemReader, FileSystemWriter, listGitIgnoreFiles, StatsigReader, type Logger } from '@forge/cli-shared';
import { getEntryPoints, getNodeBundler, getWrapperProvider, NativeUIBundler } from '@forge/bundler';
import { getClientSideLintersOnly, lint, PermissionLinter } from '@forge/lint';
import { cp, mkdir, mkdtemp, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface LintProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface ForgeBuildReport {
  /** The manifest's function handlers, as the CLI lists them (`index.adminResolver` → index / adminResolver). */
  handlers: Array<{ module: string; func: string }>;
  /** The node bundle (`<module>.cjs` + source map) and the runtime files the bundler adds beside it. */
  functionsDir: string;
  functionFiles: string[];
  /** One folder per UI Kit resource, as uploaded: index.html, the scripts, their source maps. */
  resources: Array<{ key: string; path: string; dir: string; files: string[] }>;
  lint: { filesLinted: number; errors: LintProblem[]; warnings: LintProblem[] };
  ms: { functions: number; resources: number; lint: number };
}

/** The CLI asks a feature-flag service before some steps; offline every flag takes the default the CLI uses when that service cannot be reached. */
class OfflineFeatureFlags extends StatsigReader {
  override async checkGate(): Promise<null> {
    return null;
  }
  override async getDynamicConfig(): Promise<null> {
    return null;
  }
}

function quietLogger(warnings: string[]): Logger {
  return { traceEnabled: false, debugEnabled: false, trace() {}, debug() {}, info() {}, warn: (m: string) => void warnings.push(m), error: (e: Error) => void warnings.push(e.message) };
}

/** The node runtime's wrapper and loader, which the bundler would download; their content only goes into the archive. */
async function runtimeStandIn(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'open-connect-forge-runtime-'));
  await mkdir(join(dir, 'dist'));
  const note = '// Stand-in for the Forge node runtime (offline build check): the real one is downloaded by `forge deploy`.\n';
  await writeFile(join(dir, 'dist', 'wrapper.js'), note);
  await writeFile(join(dir, 'dist', 'loader.js'), note);
  return dir;
}

const elapsed = (start: number) => Math.round(performance.now() - start);

/** Builds the app in `appDir` (the process must run there, as the CLI does) into `outDir`. */
export async function buildLikeForgeDeploy(outDir: string, warnings: string[] = []): Promise<ForgeBuildReport> {
  const logger = quietLogger(warnings);
  const reader = new FileSystemReader();
  const config = new ConfigFile(reader, new FileSystemWriter());
  const flags = new OfflineFeatureFlags() as never;
  const runtimeDir = await runtimeStandIn();
  const scratch: string[] = [runtimeDir];
  const previousRuntimePath = process.env.FORGE_RUNTIME_PATH;
  process.env.FORGE_RUNTIME_PATH = runtimeDir;
  try {
    let start = performance.now();
    const handlers = await config.getAppHandlers();
    const nodeBundler = getNodeBundler(logger, getWrapperProvider({ fileSystemReader: reader } as never), config as never);
    const bundle = await nodeBundler.bundle({ appDirectory: process.cwd(), entryPoints: getEntryPoints(handlers) });
    scratch.push(bundle.outputDir);
    const functionsDir = join(outDir, 'functions');
    await cp(bundle.outputDir, functionsDir, { recursive: true });
    for (const [name, content] of bundle.additionalOutputs ?? []) {
      await mkdir(dirname(join(functionsDir, name)), { recursive: true });
      await writeFile(join(functionsDir, name), content);
    }
    const functionsMs = elapsed(start);

    start = performance.now();
    const uiResources = await config.getResources(['nativeUI']);
    const ui = await new NativeUIBundler(logger).bundleResources(uiResources as never, undefined);
    const resources = [];
    for (const built of ui.nativeUiBundlesDetails) {
      scratch.push(built.path);
      const dir = join(outDir, 'resources', built.key);
      await cp(built.path, dir, { recursive: true });
      const source = uiResources.find((r) => r.key === built.key)!;
      resources.push({ key: built.key, path: source.path, dir, files: (await readdir(dir)).sort() });
    }
    const resourcesMs = elapsed(start);

    start = performance.now();
    const result = await lintLikeForgeLint(config, reader, logger, flags);
    return {
      handlers,
      functionsDir,
      functionFiles: (await readdir(functionsDir)).sort(),
      resources: resources.sort((a, b) => a.key.localeCompare(b.key)),
      lint: result,
      ms: { functions: functionsMs, resources: resourcesMs, lint: elapsed(start) },
    };
  } finally {
    if (previousRuntimePath === undefined) delete process.env.FORGE_RUNTIME_PATH;
    else process.env.FORGE_RUNTIME_PATH = previousRuntimePath;
    await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** The files `forge lint` reads (src/ and every UI Kit resource's folder, minus .gitignore'd ones), through the client-side linters. */
async function lintLikeForgeLint(config: ConfigFile, reader: FileSystemReader, logger: Logger, flags: never): Promise<ForgeBuildReport['lint']> {
  const manifest = await config.readConfig();
  const uiDirs = (await config.getResources(['nativeUI'])).map((r) => dirname(r.path));
  const exclude = [...(await listGitIgnoreFiles(reader)), '.git', 'node_modules'];
  const lists = await Promise.all(['./src', ...uiDirs].map((dir) => reader.recursiveReadDir(dir, exclude)));
  const files = [...new Set(lists.flat())];
  // PermissionLinter is the scope linter: it downloads the products' API specs before it can run.
  const linters = (await getClientSideLintersOnly(manifest, 'development', logger, flags)).filter((l) => !(l instanceof PermissionLinter));
  const results = await lint(files, manifest, 'development', logger, flags, { linter: { mode: 'client-side' }, linters });
  const problems = (kind: 'errors' | 'warnings') =>
    results.flatMap((r) => r[kind].map((p) => ({ file: r.file, line: p.line, column: p.column, message: p.message })));
  return { filesLinted: files.length, errors: problems('errors'), warnings: problems('warnings') };
}
