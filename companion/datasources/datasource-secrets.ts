// Write-only secrets: encrypted on the way in, reported only as flags on the way out, decrypted
// only for a connector that is about to use them. Two kinds live in a datasource's `secrets` column,
// each an envelope bound (additional data) to its tenant, datasource and name: the named secrets
// (`password`, `token`, `apiKey`, `clientSecret`) and the custom REST headers that carry credentials,
// as `headers.<Header-Name>`. The stored `config.headers` keeps only the other headers.
//
// Rows written before credential headers were encrypted hold them in plain text in `config.headers`:
// they are read as before (flags, kept across a PUT, sent at use), and the next write of the
// datasource, or `npm run rotate-keys`, moves them into envelopes.
import { SECRET_NAMES, type SecretName } from '../contract/datasource.js';
import { isEnvelope, type Envelope, type SecretBox } from '../crypto/secret-box.js';
import { isCredentialHeader } from '../connectors/rest-headers.js';
import { AppError } from '../errors.js';

const HEADER_PREFIX = 'headers.';

/** The stored name of a credential header's secret (its additional data and `secretsToEnter` entry). */
export const headerSecretName = (header: string) => `${HEADER_PREFIX}${header}`;

/** Stored envelopes by name: a named secret (`password`…), or `headers.<Header-Name>`. */
export type StoredSecrets = Record<string, Envelope>;
export type PlainSecrets = Partial<Record<SecretName, string>>;
type Config = Record<string, unknown>;

/** What a datasource row holds that matters here. */
export interface SecretsAtRest {
  config: unknown;
  secrets: unknown;
}

export const secretAad = (tenantId: string, datasourceId: string, name: string) => `${tenantId}/${datasourceId}/${name}`;

const isNamed = (name: string): name is SecretName => (SECRET_NAMES as readonly string[]).includes(name);
const isHeaderSecret = (name: string) => name.startsWith(HEADER_PREFIX) && name.length > HEADER_PREFIX.length;

export function readStoredSecrets(value: unknown): StoredSecrets {
  const out: StoredSecrets = {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [name, envelope] of Object.entries(value as Record<string, unknown>)) {
    if ((isNamed(name) || isHeaderSecret(name)) && isEnvelope(envelope)) out[name] = envelope;
  }
  return out;
}

/** Only the named secrets of what is stored. */
export function namedSecrets(stored: StoredSecrets): Partial<Record<SecretName, Envelope>> {
  return Object.fromEntries(Object.entries(stored).filter(([name]) => isNamed(name)));
}

function headersOf(config: unknown): Record<string, string> {
  const h = (config as Config | null | undefined)?.headers;
  return h && typeof h === 'object' && !Array.isArray(h) ? (h as Record<string, string>) : {};
}

/** A config's credential headers (name → value), and the config without them (its `headers` object kept, maybe empty). */
export function splitCredentialHeaders(config: unknown): { config: Config; credentials: Record<string, string> } {
  const copy = structuredClone((config ?? {}) as Config);
  const credentials: Record<string, string> = {};
  const headers = headersOf(copy);
  for (const name of Object.keys(headers).filter(isCredentialHeader)) {
    credentials[name] = headers[name]!;
    delete headers[name];
  }
  return { config: copy, credentials };
}

/** The names of a datasource's stored credential headers: encrypted ones, then any a row from before keeps in plain text. */
export function credentialHeaderNames(row: SecretsAtRest): string[] {
  const sealed = Object.keys(readStoredSecrets(row.secrets))
    .filter(isHeaderSecret)
    .map((name) => name.slice(HEADER_PREFIX.length));
  const legacy = Object.keys(headersOf(row.config)).filter((name) => isCredentialHeader(name) && !sealed.includes(name));
  return [...sealed, ...legacy];
}

/** Applies a create/update's named secrets to what is stored: a string sets, null removes, absent keeps. */
export function mergeSecrets(
  box: SecretBox,
  aad: (name: string) => string,
  stored: StoredSecrets,
  incoming: Partial<Record<SecretName, string | null>> | undefined,
): StoredSecrets {
  const next: StoredSecrets = namedSecrets(stored);
  for (const name of SECRET_NAMES) {
    const value = incoming?.[name];
    if (value === null) delete next[name];
    else if (typeof value === 'string') next[name] = box.encrypt(value, aad(name));
  }
  return next;
}

/**
 * A write's credential headers, sealed: the config to store (without them) and their envelopes.
 * `config` is the config as written (the headers it gives are encrypted afresh); `kept` names the
 * stored credential headers the write keeps without giving them: their envelope stays as it is, or,
 * on a row from before, their plain value is encrypted now. A write that keeps some but gives no
 * `headers` still stores an empty `headers` object, as the config it kept them in did.
 */
export function sealCredentialHeaders(
  box: SecretBox,
  aad: (name: string) => string,
  current: SecretsAtRest | null,
  config: Config,
  kept: string[],
): { config: Config; secrets: StoredSecrets } {
  const { config: toStore, credentials } = splitCredentialHeaders(config);
  const secrets: StoredSecrets = {};
  const stored = current ? readStoredSecrets(current.secrets) : {};
  const legacy = current ? headersOf(current.config) : {};
  for (const header of kept) {
    const name = headerSecretName(header);
    const envelope = stored[name];
    if (envelope) secrets[name] = envelope;
    else if (typeof legacy[header] === 'string') secrets[name] = box.encrypt(legacy[header], aad(name));
  }
  for (const [header, value] of Object.entries(credentials)) {
    const name = headerSecretName(header);
    secrets[name] = box.encrypt(value, aad(name));
  }
  if (kept.length > 0 && toStore.headers === undefined) toStore.headers = {};
  return { config: toStore, secrets };
}

/** What an answer says about a datasource's secrets: `{password: true, headers: {"X-Api-Token": true}}`. */
export function secretFlags(row: SecretsAtRest): Partial<Record<SecretName, boolean>> & { headers?: Record<string, true> } {
  const flags = Object.fromEntries(Object.keys(namedSecrets(readStoredSecrets(row.secrets))).map((k) => [k, true]));
  const headers = credentialHeaderNames(row);
  return headers.length > 0 ? { ...flags, headers: Object.fromEntries(headers.map((h) => [h, true as const])) } : flags;
}

/**
 * Everything a connector needs, decrypted: the named secrets, and the config with its credential
 * headers back in `config.headers` (encrypted ones, and plain ones of a row from before), as the
 * REST connector sends them. A stored value that cannot be decrypted is a 422, never used.
 */
export function decryptSecrets(box: SecretBox, aad: (name: string) => string, row: SecretsAtRest): { config: Config; secrets: PlainSecrets } {
  const secrets: PlainSecrets = {};
  const headers: Record<string, string> = {};
  for (const [name, envelope] of Object.entries(readStoredSecrets(row.secrets)) as Array<[string, Envelope]>) {
    let plain: string;
    try {
      plain = box.decrypt(envelope, aad(name));
    } catch (error) {
      // Changed outside the companion (a short or wrong tag, another row's ciphertext) or under a key
      // no longer configured: never used, and the admin can give the secret again.
      throw new AppError(422, 'secrets_unreadable', `The datasource's stored ${name} cannot be read (changed outside the companion, or encrypted under a key that is not configured); give it again`, { cause: error });
    }
    if (isNamed(name)) secrets[name] = plain;
    else headers[name.slice(HEADER_PREFIX.length)] = plain;
  }
  const config = (row.config ?? {}) as Config;
  if (Object.keys(headers).length === 0) return { config, secrets };
  return { config: { ...config, headers: { ...headersOf(config), ...headers } }, secrets };
}
