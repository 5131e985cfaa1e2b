// Every reference of a parsed template with the line it stands on: `$issue.customfield_1.value` is
// {variable: 'issue', path: ['customfield_1', 'value']}. Used to know what a template needs (the
// current user's profile) and to check a template against the vocabulary (template-check.ts).
// velocityjs gives a position only to printed references and to directives, so a reference inside
// `#set(...)` or `#if(...)` takes the line of the directive it stands in.
import { parseTemplate } from './render-template.js';

export interface TemplateReference {
  variable: string;
  /** Property names in order; a method call or an index ends the path (`null` marks it). */
  path: Array<string | null>;
  line: number;
  /** The reference as written, for messages: `$issue.customfield_1.value`. */
  text: string;
  /** Where it is: `set` for the target of a #set, `foreach` for a loop variable, else `use`. */
  role: 'use' | 'set' | 'foreach';
}

interface Node {
  type?: string;
  id?: unknown;
  path?: Array<{ type?: string; id?: unknown }>;
  pos?: { first_line?: number };
  equal?: unknown[];
  args?: unknown;
  leader?: string;
  to?: unknown;
}

function describe(n: Node, line: number, role: TemplateReference['role']): TemplateReference {
  const path: Array<string | null> = [];
  let text = `${n.leader ?? '$'}${String(n.id)}`;
  for (const part of n.path ?? []) {
    if (part.type === 'property' && typeof part.id === 'string') {
      path.push(part.id);
      text += `.${part.id}`;
    } else {
      path.push(null);
      text += part.type === 'method' && typeof part.id === 'string' ? `.${part.id}(…)` : '[…]';
      break;
    }
  }
  return { variable: String(n.id), path, line, text, role };
}

function walk(node: unknown, line: number, out: TemplateReference[]): void {
  if (Array.isArray(node)) {
    // A directive's children (an #if's body) follow it in the same list: each keeps its own line.
    for (const child of node) walk(child, line, out);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const n = node as Node;
  const here = typeof n.pos?.first_line === 'number' ? n.pos.first_line : line;
  if (n.type === 'set' && Array.isArray(n.equal)) {
    const [target, value] = n.equal as Node[];
    if (target?.type === 'references') out.push(describe(target, here, 'set'));
    walk(value, here, out);
    return;
  }
  if (n.type === 'macro' && Array.isArray(n.args)) {
    // A macro's parameters are its own variables, declared here.
    for (const arg of n.args as Node[]) if (arg?.type === 'references') out.push(describe(arg, here, 'set'));
    return;
  }
  if (n.type === 'foreach' && typeof n.to === 'string') {
    out.push({ variable: n.to, path: [], line: here, text: `$${n.to}`, role: 'foreach' });
  }
  if (n.type === 'references' && typeof n.id === 'string') out.push(describe(n, here, 'use'));
  for (const [key, value] of Object.entries(n)) if (key !== 'pos' && value && typeof value === 'object') walk(value, here, out);
}

/** The references of a template, in order. Throws the parser's error when it does not parse. */
export function templateReferences(template: string): TemplateReference[] {
  const out: TemplateReference[] = [];
  walk(parseTemplate(template), 1, out);
  return out;
}

const needs = new Map<string, boolean>();
const PROFILE = new Set(['displayName', 'emailAddress', 'locale', 'timeZone']);

/**
 * Whether a query needs the current user's profile from Jira: it names a `$currentUser` property
 * beyond `accountId` (which the request already carries). Remembered per query text: the hot path
 * must not re-walk templates.
 */
export function needsCurrentUserProfile(query: string): boolean {
  let answer = needs.get(query);
  if (answer === undefined) {
    try {
      answer = templateReferences(query).some((r) => r.variable === 'currentUser' && (r.path[0] === null || (r.path[0] !== undefined && PROFILE.has(r.path[0]))));
    } catch {
      answer = false;
    }
    if (needs.size >= 2_000) needs.clear();
    needs.set(query, answer);
  }
  return answer;
}

/** A reference of a query and what it resolved to for one computation (the configuration tester). */
export interface TemplateBinding {
  line: number;
  reference: string;
  /** The value as printed or bound; null when the reference resolved to nothing. */
  value: unknown;
  resolved: boolean;
}

const scalar = (v: unknown): unknown => {
  if (v === null || v === undefined || typeof v !== 'object') return v ?? null;
  const own = (v as { toString: () => string }).toString;
  // Field values and context parts describe themselves: show their parts as plain data.
  return own === Object.prototype.toString || Array.isArray(v) ? v : { ...(v as object), printed: own.call(v) };
};

/**
 * What each reference of a query resolved to with these variables, in order: the tester shows it
 * beside the evaluated query. Variables the template sets itself (#set, #foreach) are its own
 * and left out; a method call shows what it was called on.
 */
export function traceBindings(template: string, vars: Record<string, unknown>): TemplateBinding[] {
  let refs: TemplateReference[];
  try {
    refs = templateReferences(template);
  } catch {
    return [];
  }
  const locals = new Set(refs.filter((r) => r.role !== 'use').map((r) => r.variable));
  const out: TemplateBinding[] = [];
  const seen = new Set<string>();
  for (const ref of refs) {
    if (ref.role !== 'use' || locals.has(ref.variable) || seen.has(ref.text)) continue;
    seen.add(ref.text);
    let value: unknown = vars[ref.variable];
    for (const part of ref.path) {
      if (part === null || value === null || value === undefined) break;
      value = (value as Record<string, unknown>)[part];
    }
    out.push({ line: ref.line, reference: ref.text, value: scalar(value), resolved: value !== undefined && value !== null });
  }
  return out;
}
