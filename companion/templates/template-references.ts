// What a query template references, for the dependency graph between connected fields and items,
// and whether it parses at all (checked when a configuration is saved).
import { parseTemplate, firstLine } from './render-template.js';

const DEPENDENCY_KEY = /^(customfield_\d+|connected_item_\d+)$/;
// Used when a template does not parse: the references still count as edges so that a broken
// template cannot hide a cycle.
const FALLBACK = /\$!?\{?issue\.(customfield_\d+|connected_item_\d+)\b/g;

/** Keys of connected fields/items referenced as `$issue.<key>` (with or without `.id`, `.value`, …). */
export function extractReferences(template: string): string[] {
  const found = new Set<string>();
  try {
    walk(parseTemplate(template), found);
  } catch {
    for (const m of template.matchAll(FALLBACK)) found.add(m[1]!);
  }
  return [...found];
}

/** The velocityjs parse error, or null when the template parses. */
export function templateError(template: string): string | null {
  try {
    parseTemplate(template);
    return null;
  } catch (err) {
    // velocityjs: "Parse error on line N:", the text, a caret, "Expecting …": keep where and what.
    const lines = (err instanceof Error ? err.message : String(err)).split('\n');
    const expecting = lines.find((l) => l.startsWith('Expecting'));
    return expecting ? `${firstLine(err)} ${expecting}`.slice(0, 400) : firstLine(err);
  }
}

// References sit anywhere in the AST (output, #if conditions, #set values, method arguments), so
// every object is visited rather than only the node types known today.
function walk(node: unknown, found: Set<string>): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, found);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const n = node as { type?: string; id?: unknown; path?: Array<{ type?: string; id?: unknown }> };
  if (n.type === 'references' && n.id === 'issue' && Array.isArray(n.path)) {
    const first = n.path[0];
    if (first?.type === 'property' && typeof first.id === 'string' && DEPENDENCY_KEY.test(first.id)) found.add(first.id);
  }
  for (const value of Object.values(node)) if (value && typeof value === 'object') walk(value, found);
}
