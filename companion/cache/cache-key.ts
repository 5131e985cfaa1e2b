// Cache keys: a SHA-256 over everything that decides a response. The evaluated query can carry a
// parent field's value (compute egress), so only its hash is ever stored, never its text.
import { createHash } from 'node:crypto';

export interface CacheKeyParts {
  tenantId: string;
  datasourceId: string;
  /** Bumped on every datasource change and cache clear: old keys stop matching at once. */
  datasourceGeneration: number;
  /** The field or item whose templates mapped the rows into options. */
  configId: string;
  /** Bumped on every change of that field or item. */
  configGeneration: number;
  /** Whether the entry keeps the rows as well as the options (connected items need them). */
  withRows: boolean;
  /** The pipeline's `cacheKeyMaterial`: the evaluated query (text and bound parameters). */
  material: string;
}

export function cacheKeyHash(p: CacheKeyParts): string {
  // Length-prefixed parts: two different part lists can never hash the same input, whatever the
  // material (typed user input included) contains.
  const parts = [p.tenantId, p.datasourceId, p.datasourceGeneration, p.configId, p.configGeneration, p.withRows ? 1 : 0, p.material];
  return createHash('sha256')
    .update(parts.map((x) => `${String(x).length}:${String(x)}`).join('|'))
    .digest('hex');
}
