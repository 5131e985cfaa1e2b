// `npm run bench`: runs every bench/*.bench.ts in turn (each default-exports an async function that
// returns a Markdown section) and writes them, with the machine and the command, to docs/BENCHMARKS.md.
import { readdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem, release } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);

async function main() {
  const files = (await readdir(here)).filter((f) => f.endsWith('.bench.ts') && (only.length === 0 || only.some((o) => f.includes(o)))).sort();
  const sections: string[] = [];
  const summary: string[] = [];
  for (const file of files) {
    console.log(`\n=== ${file}`);
    const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: () => Promise<string>; summary?: string[] };
    const section = await mod.default();
    console.log(section);
    sections.push(section);
    summary.push(...(mod.summary ?? []));
  }
  const cpu = cpus();
  const machine = `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}, Node ${process.version}`;
  const command = `npm run bench${only.length ? ` ${only.join(' ')}` : ''}`;
  const head = [
    `Produced by \`${command}\` on ${new Date().toISOString().slice(0, 10)}.`,
    '',
    `Machine: ${machine}, load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')} at the end. Compare within one run.`,
    '',
    '| what | measured | goal |',
    '|---|---:|---|',
    ...summary,
  ].join('\n');
  console.log(`\n${head}`);
  const doc = ['# Benchmarks', '', head, '', ...sections].join('\n');
  if (only.length === 0) await writeFile(join(here, '..', 'docs', 'BENCHMARKS.md'), `${doc}\n`);
  else console.log('\n(partial run: docs/BENCHMARKS.md left as it is)');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
