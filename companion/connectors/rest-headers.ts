// Custom REST headers: at most 20, none that would let an admin break the HTTP framing, spoof the
// target or smuggle Forge credentials. Checked when a datasource is saved and again before use.
import { badRequest } from '../errors.js';

export const MAX_CUSTOM_HEADERS = 20;

const FORBIDDEN = new Set([
  'host',
  'content-length',
  'connection',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-authorization',
  'proxy-connection',
  'http2-settings',
]);
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Header names whose values are credentials even though an admin put them in `config.headers`. */
const CREDENTIAL_HEADER = /(authorization|cookie|token|secret|password|api[-_]?key|auth)/i;

/** A custom header that carries a credential: write-only, never exported, dropped on a cross-origin redirect. */
export const isCredentialHeader = (name: string): boolean => CREDENTIAL_HEADER.test(name);

/** The reason a header set is refused, or null when it is acceptable. */
export function headerProblem(headers: unknown): string | null {
  if (headers === undefined || headers === null) return null;
  if (typeof headers !== 'object' || Array.isArray(headers)) return 'headers must be an object of name → value';
  const entries = Object.entries(headers as Record<string, unknown>);
  if (entries.length > MAX_CUSTOM_HEADERS) return `at most ${MAX_CUSTOM_HEADERS} custom headers are allowed`;
  for (const [name, value] of entries) {
    const lower = name.toLowerCase();
    if (!TOKEN.test(name)) return `"${name.slice(0, 100)}" is not a valid header name`;
    if (FORBIDDEN.has(lower) || lower.startsWith('x-forge-') || lower.startsWith(':')) {
      return `the header "${name}" may not be set on a datasource`;
    }
    if (typeof value !== 'string' || /[\r\n\0]/.test(value)) return `the header "${name}" must be a single-line string`;
  }
  return null;
}

/** For the datasource routes: refuse a REST configuration whose headers are not allowed (400). */
export function assertConnectorConfig(body: unknown): void {
  const b = body as { type?: unknown; config?: { headers?: unknown } } | undefined;
  if (b?.type !== 'rest') return;
  const problem = headerProblem(b.config?.headers);
  if (problem) throw badRequest(`Invalid rest datasource: ${problem}`, 'validation_failed');
}
