// Secrets stay with the place they were given for (DESIGN.md, "Secrets stay with the place…"):
// credential headers are write-only like secrets (hidden from answers, kept across a PUT that does
// not name them, encrypted at rest: datasource-secrets.ts), and a change of where a datasource
// connects must come with its secrets again, so that no stored secret is ever sent to a host the
// admin who gave it did not choose.
import { SECRET_NAMES } from '../contract/datasource.js';
import { AppError } from '../errors.js';

type Config = Record<string, unknown>;

function headersOf(config: unknown): Record<string, string> {
  const h = (config as Config | null | undefined)?.headers;
  return h && typeof h === 'object' && !Array.isArray(h) ? (h as Record<string, string>) : {};
}

/**
 * The stored credential headers (`stored`: their names) that a PUT or a replacing import keeps
 * without having seen them: each unless the write gives that header again (any case) or removes it
 * (`secrets.headers: {name: null}`).
 */
export function keptCredentialHeaders(stored: string[], incoming: Config, removed: string[]): string[] {
  const given = new Set(Object.keys(headersOf(incoming)).map((n) => n.toLowerCase()));
  const gone = new Set(removed.map((n) => n.toLowerCase()));
  return stored.filter((name) => !given.has(name.toLowerCase()) && !gone.has(name.toLowerCase()));
}

/**
 * The config a write gives plus the credential headers it keeps, to check its shape (at most 20
 * headers in all): a kept value is not read for this (it is encrypted, and was checked when given),
 * an empty string stands in for it.
 */
export function withKeptHeaders(incoming: Config, kept: string[]): Config {
  if (kept.length === 0) return incoming;
  return { ...incoming, headers: { ...headersOf(incoming), ...Object.fromEntries(kept.map((name) => [name, ''])) } };
}

/** Where a datasource's secrets go: the hosts it connects to, per type. */
export function connectionTarget(type: string, config: unknown): string {
  const c = (config ?? {}) as Config;
  if (type === 'rest') {
    const auth = c.auth as { mode?: string; tokenUrl?: unknown } | undefined;
    return JSON.stringify([c.baseUrl ?? null, auth?.mode === 'oauth2ClientCredentials' ? (auth.tokenUrl ?? null) : null]);
  }
  if (type === 'postgresql' || type === 'mysql') {
    return JSON.stringify([String(c.host ?? '').toLowerCase(), c.port ?? (type === 'postgresql' ? 5432 : 3306), c.database ?? null]);
  }
  return type;
}

/** The stored secrets a write keeps without giving them again: named secrets, then `headers.<name>`. */
export function secretsKept(storedNames: string[], given: Partial<Record<string, unknown>> | undefined, keptHeaders: string[]): string[] {
  const named = SECRET_NAMES.filter((n) => storedNames.includes(n) && given?.[n] === undefined);
  return [...named, ...keptHeaders.map((h) => `headers.${h}`)];
}

const pointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

/** 422 secrets_required when the datasource now connects elsewhere but would keep secrets given for the old place. */
export function assertSecretsStay(label: string, type: string, before: unknown, after: unknown, kept: string[], where: 'put' | 'import'): void {
  if (kept.length === 0 || connectionTarget(type, before) === connectionTarget(type, after)) return;
  const how = where === 'put' ? 'give them again, or remove them, in the same change' : 'an import cannot carry secrets: change the datasource itself and give them again';
  const message = `${label} would connect somewhere else with secrets given for where it connects now (${kept.join(', ')}): ${how}`;
  // A PUT's form can show the message beside each secret's input; an import document has none.
  const details =
    where === 'put'
      ? kept.map((name) => ({
          path: name.startsWith('headers.') ? `/config/headers/${pointer(name.slice('headers.'.length))}` : `/secrets/${name}`,
          message: 'Give this secret again: the datasource now connects somewhere else',
        }))
      : undefined;
  throw new AppError(422, 'secrets_required', message, { details });
}
