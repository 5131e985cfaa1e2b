// Write-only secrets: encrypted on the way in, reported only as flags on the way out, decrypted
// only for a connector that is about to use them.
import { SECRET_NAMES, type SecretName } from '../contract/datasource.js';
import { isEnvelope, type Envelope, type SecretBox } from '../crypto/secret-box.js';
import { AppError } from '../errors.js';

export type StoredSecrets = Partial<Record<SecretName, Envelope>>;
export type PlainSecrets = Partial<Record<SecretName, string>>;

export const secretAad = (tenantId: string, datasourceId: string, name: string) => `${tenantId}/${datasourceId}/${name}`;

export function readStoredSecrets(value: unknown): StoredSecrets {
  const out: StoredSecrets = {};
  if (!value || typeof value !== 'object') return out;
  for (const name of SECRET_NAMES) {
    const envelope = (value as Record<string, unknown>)[name];
    if (isEnvelope(envelope)) out[name] = envelope;
  }
  return out;
}

/** Applies a create/update's secrets to what is stored: a string sets, null removes, absent keeps. */
export function mergeSecrets(
  box: SecretBox,
  aad: (name: string) => string,
  stored: StoredSecrets,
  incoming: Partial<Record<SecretName, string | null>> | undefined,
): StoredSecrets {
  const next: StoredSecrets = { ...stored };
  for (const name of SECRET_NAMES) {
    const value = incoming?.[name];
    if (value === null) delete next[name];
    else if (typeof value === 'string') next[name] = box.encrypt(value, aad(name));
  }
  return next;
}

export function secretFlags(stored: StoredSecrets): Partial<Record<SecretName, boolean>> {
  return Object.fromEntries(Object.keys(stored).map((k) => [k, true]));
}

export function decryptSecrets(box: SecretBox, aad: (name: string) => string, stored: StoredSecrets): PlainSecrets {
  const out: PlainSecrets = {};
  for (const [name, envelope] of Object.entries(stored) as Array<[SecretName, Envelope]>) {
    try {
      out[name] = box.decrypt(envelope, aad(name));
    } catch (error) {
      // Changed outside the companion (a short or wrong tag, another row's ciphertext) or under a key
      // no longer configured: never used, and the admin can give the secret again.
      throw new AppError(422, 'secrets_unreadable', `The datasource's stored ${name} cannot be read (changed outside the companion, or encrypted under a key that is not configured); give it again`, { cause: error });
    }
  }
  return out;
}
