// Schema validation failures (Ajv, through Fastify) as the contract's `error.details`: a JSON pointer
// to the value concerned and a message an admin can act on, shown beside that input by the forms.
// Ajv stops at the first failure (allErrors stays off: it costs time on hostile bodies), so there is
// one detail per refusal.
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import type { ErrorDetail } from '../contract/common.js';

type Failure = FastifySchemaValidationError & { params: Record<string, unknown> };

/** RFC 6901: `~` and `/` in a property name are escaped (Ajv's instancePath already is). */
const pointerPart = (name: string) => name.replace(/~/g, '~0').replace(/\//g, '~1');

function pathOf(f: Failure): string {
  const at = f.instancePath ?? '';
  if (f.keyword === 'required' && typeof f.params.missingProperty === 'string') return `${at}/${pointerPart(f.params.missingProperty)}`;
  if (f.keyword === 'additionalProperties' && typeof f.params.additionalProperty === 'string') return `${at}/${pointerPart(f.params.additionalProperty)}`;
  return at;
}

function messageOf(f: Failure): string {
  switch (f.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a setting this form knows';
    case 'minLength':
      return f.params.limit === 1 ? 'must not be empty' : `must be at least ${String(f.params.limit)} characters`;
    case 'maxLength':
      return `must be at most ${String(f.params.limit)} characters`;
    case 'format':
      return f.params.format === 'uuid' ? 'must be chosen from the list' : `must be a valid ${String(f.params.format)}`;
    case 'pattern':
      return `does not have the expected form (${String(f.params.pattern)})`;
    case 'maxItems':
      return `may hold at most ${String(f.params.limit)} entries`;
    default:
      return f.message ?? 'is not valid';
  }
}

/**
 * One detail per place. A choice (a union of constants) fails once per alternative and once more as
 * a whole: those become one message listing the choices.
 */
export function validationDetails(failures: FastifySchemaValidationError[]): ErrorDetail[] {
  const byPath = new Map<string, Failure[]>();
  for (const f of failures as Failure[]) byPath.set(pathOf(f), [...(byPath.get(pathOf(f)) ?? []), f]);
  return [...byPath].map(([path, all]) => {
    const choices = all.flatMap((f) => (f.keyword === 'const' ? [f.params.allowedValue] : f.keyword === 'enum' ? (f.params.allowedValues as unknown[]) : []));
    const first = all.find((f) => f.keyword !== 'anyOf') ?? all[0]!;
    return { path, message: choices.length > 0 ? `must be one of: ${choices.map(String).join(', ')}` : messageOf(first) };
  });
}
