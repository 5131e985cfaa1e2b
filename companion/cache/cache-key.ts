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
  /**
   * Whose answer it is: the accountId when it was fetched under that user's own token (a Jira
   * datasource called as the user), null when the datasource's or the app's credentials fetched it
   * (shared by the tenant's users). Being in the key, it also splits single flight and stale serving.
   */
  viewer: string | null;
  /** The pipeline's `cacheKeyMaterial`: the evaluated query (text and bound parameters). */
  material: string;
}

export function cacheKeyHash(p: CacheKeyParts): string {
  // Length-prefixed parts: two different part lists can never hash the same input, whatever the
  // material (typed user input included) contains.
  // The viewer is prefixed with its kind so that null (shared) never equals any account id.
  const viewer = p.viewer === null ? 'shared' : `user:${p.viewer}`;
  const parts = [p.tenantId, p.datasourceId, p.datasourceGeneration, p.configId, p.configGeneration, p.withRows ? 1 : 0, viewer, p.material];
  return createHash('sha256')
    .update(parts.map((x) => `${String(x).length}:${String(x)}`).join('|'))
    .digest('hex');
}
