// Request validation. Query strings and path parameters arrive as text and are coerced to the
// declared types ("?limit=20" → 20). JSON bodies already carry types and are NOT coerced: with
// coercion a `null` meant as "use the datasource's TTL" silently became 0 ("cache off").
//
// Each validator is compiled on its route's first request rather than when Fastify starts: Ajv's
// code generation for every route's schemas was ~0.4 s of CPU each start (most of what building the
// app cost), spent before /ready could answer; compiled lazily, it is a few milliseconds once per
// route. Ajv keeps what it compiled per schema object, so routes sharing a schema share the function.
import { Ajv, type Options, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

function makeAjv(options: Options): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: false, removeAdditional: false, useDefaults: true, ...options });
  addFormats.default(ajv);
  return ajv;
}

export function requestValidatorCompiler(): FastifySchemaCompiler<unknown> {
  let forBody: Ajv | undefined;
  let forText: Ajv | undefined;
  const ajvFor = (httpPart: string | undefined) =>
    httpPart === 'body' ? (forBody ??= makeAjv({ coerceTypes: false })) : (forText ??= makeAjv({ coerceTypes: 'array' }));
  return ({ schema, httpPart }) => {
    let compiled: ValidateFunction | undefined;
    // Fastify calls it with the request part and reads `.errors` off it when it returns false, as
    // it does with an Ajv function.
    const validate = (data: unknown): boolean => {
      compiled ??= ajvFor(httpPart).compile(schema as object);
      const valid = compiled(data);
      validate.errors = compiled.errors;
      return valid;
    };
    validate.errors = undefined as ValidateFunction['errors'];
    return validate;
  };
}
