// Where a profiled server's CPU went, per request: `tsx bench/support/profile-summary.ts <file.cpuprofile>
// <requests> [top]`. Self time of every sample, grouped by what the code belongs to (by its file), in
// µs per request; `(idle)` is left out, native frames count for the code that called them. The groups are what docs/BENCHMARKS.md reports.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const GROUPS: Array<[string, RegExp]> = [
  ['token check (jose + WebCrypto)', /node_modules\/jose\/|^node:internal\/crypto\//],
  ['logging (pino)', /node_modules\/(pino|pino-std-serializers|sonic-boom|fast-redact|thread-stream|@pinojs)/],
  ['serialization (fast-json-stringify)', /node_modules\/fast-json-stringify|\/serializer/],
  ['validation (ajv)', /node_modules\/(ajv|ajv-formats)\//],
  ['metrics (prom-client)', /node_modules\/prom-client\//],
  ['database client (Prisma, pg)', /node_modules\/(@prisma|pg|pg-pool|pg-protocol|@electric-sql)\/|companion\/generated\//],
  ['Fastify (routing, hooks, reply)', /node_modules\/(fastify|find-my-way|avvio|@fastify|fast-querystring|light-my-request|secure-json-parse|fast-decode-uri-component|toad-cache|process-warning|abstract-logging)\//],
  ['companion: auth', /companion\/auth\//],
  ['companion: cache', /companion\/cache\//],
  ['companion: fields', /companion\/fields\//],
  ['companion: templates', /companion\/templates\//],
  ['companion: metrics', /companion\/metrics\//],
  ['companion: connectors', /companion\/connectors\//],
  ['companion: other', /companion\//],
  ['tsx loader', /node_modules\/tsx\//],
  ['Node HTTP, streams, sockets', /^node:(_http|http|net|stream|internal\/(http|streams|stream_base|net|timers|js_stream))|^node:internal\/streams/],
  ['Node other', /^node:/],
  ['other packages', /node_modules\//],
];

/**
 * The companion runs as an esbuild bundle (as `npm start` runs it): one file, with a `// companion/….ts`
 * comment where each module's code begins. Maps a line of the bundle back to its module.
 */
const bundles = new Map<string, Array<[number, string]>>();
function moduleOf(url: string, line: number): string | undefined {
  if (!url.endsWith('.mjs') || !url.startsWith('file://')) return undefined;
  let starts = bundles.get(url);
  if (!starts) {
    starts = [];
    readFileSync(fileURLToPath(url), 'utf8').split('\n').forEach((text, i) => {
      const m = /^\/\/ ((?:companion|bench)\/\S+\.ts)$/.exec(text);
      if (m) starts!.push([i, m[1]!]);
    });
    bundles.set(url, starts);
  }
  let found: string | undefined;
  for (const [start, module] of starts) if (start <= line) found = module;
  return found;
}

function group(node: Node): string {
  const { functionName } = node.callFrame;
  const url = moduleOf(node.callFrame.url, node.callFrame.lineNumber) ?? node.callFrame.url;
  if (!url) {
    if (functionName === '(garbage collector)') return 'garbage collection';
    if (functionName === '(idle)' || functionName === '(program)') return functionName;
    // Code compiled at run time: ajv's validators and fast-json-stringify's serializers have no file.
    return 'generated code (no file)';
  }
  for (const [name, re] of GROUPS) if (re.test(url)) return name;
  return 'other';
}

export function summarize(file: string, requests: number) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // The profiler's own stop (the inspector answering with the profile) is not the server's work.
  const skipped = new Set<number>();
  const skip = (n: Node) => {
    skipped.add(n.id);
    for (const c of n.children ?? []) skip(byId.get(c)!);
  };
  for (const n of profile.nodes) if (n.callFrame.url === 'node:inspector' && !skipped.has(n.id)) skip(n);
  const parent = new Map<number, Node>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
  /** Native frames (a socket write, a WebCrypto job) count for the code that called them. */
  const owner = (n: Node): Node => {
    let x: Node | undefined = n;
    while (x && !x.callFrame.url && !x.callFrame.functionName.startsWith('(')) x = parent.get(x.id);
    return x && x.callFrame.url ? x : n;
  };
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const groups = new Map<string, number>();
  const functions = new Map<string, number>();
  /** The group each function's time went to (the group of its owner: native frames count for their caller). */
  const groupOf = new Map<string, string>();
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    if (skipped.has(id)) continue;
    const g = group(owner(node));
    if (g === '(idle)') continue;
    groups.set(g, (groups.get(g) ?? 0) + us);
    const where = (moduleOf(node.callFrame.url, node.callFrame.lineNumber) ?? node.callFrame.url).replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(companion|bench)\//, '$1/');
    const key = `${node.callFrame.functionName || '(anonymous)'} ${where}:${node.callFrame.lineNumber + 1}`;
    functions.set(key, (functions.get(key) ?? 0) + us);
    groupOf.set(key, g);
  }
  const perRequest = (m: Map<string, number>) => [...m].map(([k, us]) => [k, us / requests] as const).sort((a, b) => b[1] - a[1]);
  const total = [...groups.values()].reduce((a, b) => a + b, 0) / requests;
  const all = perRequest(functions);
  /** The functions whose self time went to group `g`, most first. */
  const functionsOf = (g: string) => all.filter(([k]) => groupOf.get(k) === g);
  return { total, groups: perRequest(groups), functions: all, functionsOf };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, ''))) {
  const [file, requests, top] = process.argv.slice(2);
  const s = summarize(file!, Number(requests));
  console.log(`busy CPU on the main thread: ${s.total.toFixed(1)} µs per request\n`);
  for (const [g, us] of s.groups) console.log(`${us.toFixed(1).padStart(8)} µs  ${g}`);
  console.log('');
  for (const [f, us] of s.functions.slice(0, Number(top ?? 40))) console.log(`${us.toFixed(1).padStart(8)} µs  ${f}`);
  // PROFILE_GROUPS="other packages,Node HTTP, streams, sockets": the top functions of each named group too.
  for (const g of (process.env.PROFILE_GROUPS ?? '').split(';').filter(Boolean)) {
    console.log(`\n${g}:`);
    for (const [f, us] of s.functionsOf(g).slice(0, Number(top ?? 40))) console.log(`${us.toFixed(1).padStart(8)} µs  ${f}`);
  }
}
