// Cache keys: an HMAC-SHA256 over everything that decides a response. The evaluated query can carry
// a parent field's value (compute egress), so only the HMAC is ever stored, never its text; and a
// plain hash would not do: a value from a small domain (a country) would be found again by hashing
// each candidate. The HMAC key is derived from the encryption key, which the database never holds.
import { createHmac } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box.js';

/** The HKDF label of the cache key's secret: no other use of the encryption key shares it. */
export const CACHE_KEY_PURPOSE = 'open-connect/options-cache-key/v1';

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

export type CacheKeyHasher = (p: CacheKeyParts) => string;

/** Keys under the companion's secret (rotating the encryption key starts the cache afresh). */
export const cacheKeyHasher = (box: SecretBox): CacheKeyHasher => {
  const secret = box.deriveKey(CACHE_KEY_PURPOSE);
  return (p) => cacheKeyHmac(secret, p);
};

function cacheKeyHmac(secret: Buffer, p: CacheKeyParts): string {
  // Length-prefixed parts: two different part lists can never hash the same input, whatever the
  // material (typed user input included) contains.
  // The viewer is prefixed with its kind so that null (shared) never equals any account id.
  const viewer = p.viewer === null ? 'shared' : `user:${p.viewer}`;
  const parts = [p.tenantId, p.datasourceId, p.datasourceGeneration, p.configId, p.configGeneration, p.withRows ? 1 : 0, viewer, p.material];
  // `length:part` joined by `|`, written out (no array of the prefixed parts per hit).
  let text = '';
  for (let i = 0; i < parts.length; i += 1) {
    const part = String(parts[i]);
    text += i === 0 ? `${part.length}:${part}` : `|${part.length}:${part}`;
  }
  return createHmac('sha256', secret).update(text).digest('hex');
}
