// The dependency graph between connected fields (and items, which share the key space): an edge
// A → B means A's query references `$issue.B…`, so B's value is an input of A's options.
// Checked on every save (a cycle would make recalculation loop) and walked by recalculate.
import type { GraphNode } from './field-repository.js';

/** Keys a query references, as stored in `dependsOn` (deduplicated, stable order). */
export function dependencyKeys(references: string[]): string[] {
  return [...new Set(references)].sort();
}

/**
 * The cycle the graph would have once `key` depends on `dependsOn`, as a key path that starts and
 * ends with `key` (e.g. [a, b, c, a]), or null. Edges to keys that name no node are ignored: a query
 * may reference any Jira field, and only connected ones take part in the graph.
 */
export function findCycle(nodes: GraphNode[], key: string, dependsOn: string[]): string[] | null {
  const edges = new Map<string, string[]>();
  for (const n of nodes) edges.set(n.key, n.dependsOn);
  edges.set(key, dependsOn);
  const visited = new Set<string>();
  const path: string[] = [key];
  // Depth-first from the saved node: any path back to it is a cycle through it. Cycles elsewhere
  // cannot exist, since every earlier save was checked the same way.
  const walk = (from: string): boolean => {
    for (const next of edges.get(from) ?? []) {
      if (!edges.has(next)) continue;
      if (next === key) {
        path.push(next);
        return true;
      }
      if (visited.has(next)) continue;
      visited.add(next);
      path.push(next);
      if (walk(next)) return true;
      path.pop();
    }
    return false;
  };
  return walk(key) ? path : null;
}

/**
 * Every node downstream of the changed keys (reachable through reversed edges, one step or more),
 * in dependency order: a node comes after every downstream node it depends on.
 */
export function downstreamInOrder(nodes: GraphNode[], changed: string[]): GraphNode[] {
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const dependents = new Map<string, GraphNode[]>();
  for (const n of nodes) {
    for (const dep of new Set(n.dependsOn)) {
      if (!dependents.has(dep)) dependents.set(dep, []);
      dependents.get(dep)!.push(n);
    }
  }
  const reached = new Set<string>();
  const queue = [...changed];
  while (queue.length > 0) {
    for (const d of dependents.get(queue.shift()!) ?? []) {
      if (reached.has(d.key)) continue;
      reached.add(d.key);
      queue.push(d.key);
    }
  }
  // Kahn's algorithm on the reached subgraph; ties keep key order so answers are stable.
  const inDegree = new Map<string, number>();
  for (const k of reached) inDegree.set(k, [...new Set(byKey.get(k)!.dependsOn)].filter((d) => reached.has(d) && d !== k).length);
  const ready = [...reached].filter((k) => inDegree.get(k) === 0).sort();
  const ordered: GraphNode[] = [];
  while (ready.length > 0) {
    const k = ready.shift()!;
    ordered.push(byKey.get(k)!);
    for (const d of dependents.get(k) ?? []) {
      if (!reached.has(d.key)) continue;
      const left = inDegree.get(d.key)! - 1;
      inDegree.set(d.key, left);
      if (left === 0) {
        ready.push(d.key);
        ready.sort();
      }
    }
  }
  return ordered;
}
