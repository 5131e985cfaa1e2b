// Forge's documented Key-Value Store limits (storage limits, error codes MAX_SIZE, KEY_TOO_LONG,
// INVALID_KEY, MAX_DEPTH), enforced by the stand-ins for @forge/kvs (the tests' stub and the demo's
// local platform) the way the store refuses a write, so a value that would not fit fails here too.
// Sizes are those of the value as the store receives it: JSON.
export const KVS_MAX_VALUE_BYTES = 240 * 1024;
export const KVS_MAX_KEY_LENGTH = 500;
const KEY = /^(?!\s+$)[a-zA-Z0-9:._\s\-#]+$/;
const MAX_DEPTH = 32;

const depthOf = (value: unknown): number =>
  value !== null && typeof value === 'object' ? 1 + Math.max(0, ...Object.values(value as object).map(depthOf)) : 0;

export class KvsLimitError extends Error {
  override name = 'KvsLimitError';
  constructor(
    readonly code: 'KEY_TOO_SHORT' | 'KEY_TOO_LONG' | 'INVALID_KEY' | 'MAX_SIZE' | 'MAX_DEPTH',
    message: string,
  ) {
    super(message);
  }
}

export function checkKey(key: string): void {
  if (key.length < 2) throw new KvsLimitError('KEY_TOO_SHORT', 'The key needs more than one character');
  if (key.length > KVS_MAX_KEY_LENGTH) throw new KvsLimitError('KEY_TOO_LONG', `The key has ${key.length} characters; at most ${KVS_MAX_KEY_LENGTH}`);
  if (!KEY.test(key)) throw new KvsLimitError('INVALID_KEY', `The key ${key.slice(0, 60)} has characters the store refuses`);
}

export function checkWrite(key: string, value: unknown): void {
  checkKey(key);
  const bytes = new TextEncoder().encode(JSON.stringify(value)).length;
  if (bytes > KVS_MAX_VALUE_BYTES) throw new KvsLimitError('MAX_SIZE', `The value of ${key} is ${bytes} bytes; at most ${KVS_MAX_VALUE_BYTES}`);
  if (depthOf(value) > MAX_DEPTH) throw new KvsLimitError('MAX_DEPTH', `The value of ${key} is nested deeper than ${MAX_DEPTH}`);
}
