// `node scripts/forge/forge-build.cjs [outDir]`: builds the app as `forge deploy` does (forge-build.ts)
// and writes report.json into outDir. CommonJS on purpose: Atlassian's bundler refuses to run unless
// the process has a CommonJS main module (`require.main`), as the Forge CLI's own bin file is.
require('tsx/cjs/api').register();
const { mkdirSync, mkdtempSync } = require('node:fs');
const { writeFile } = require('node:fs/promises');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { buildLikeForgeDeploy } = require('./forge-build.ts');

const outDir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'open-connect-forge-build-'));
mkdirSync(outDir, { recursive: true });
const warnings = [];
buildLikeForgeDeploy(outDir, warnings).then(
  async (report) => {
    await writeFile(join(outDir, 'report.json'), JSON.stringify({ ...report, warnings }, null, 2));
    console.log(`Built ${report.handlers.length} handler(s) into ${report.functionsDir} in ${report.ms.functions} ms`);
    for (const r of report.resources) console.log(`Built UI Kit resource ${r.key} (${r.path}): ${r.files.join(', ')}`);
    console.log(`Linted ${report.lint.filesLinted} file(s): ${report.lint.errors.length} error(s), ${report.lint.warnings.length} warning(s)`);
    for (const p of [...report.lint.errors, ...report.lint.warnings]) console.log(`  ${p.file}:${p.line}:${p.column} ${p.message}`);
    if (report.lint.errors.length > 0) process.exitCode = 1;
  },
  async (error) => {
    await writeFile(join(outDir, 'report.json'), JSON.stringify({ error: String(error?.message ?? error), warnings }, null, 2));
    console.error(`The Forge build failed: ${error?.message ?? error}`);
    process.exitCode = 1;
  },
);
