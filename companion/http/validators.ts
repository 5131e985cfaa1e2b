// Request validation. Query strings and path parameters arrive as text and are coerced to the
// declared types ("?limit=20" → 20). JSON bodies already carry types and are NOT coerced: with
// coercion a `null` meant as "use the datasource's TTL" silently became 0 ("cache off").
import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: false, removeAdditional: false, useDefaults: true, ...options });
  addFormats.default(ajv);
  return ajv;
}

export function requestValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const forBody = makeAjv({ coerceTypes: false });
  const forText = makeAjv({ coerceTypes: 'array' });
  return ({ schema, httpPart }) => (httpPart === 'body' ? forBody : forText).compile(schema as object);
}
