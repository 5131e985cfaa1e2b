// Response serialization: Fastify's own compiler (fast-json-stringify), with each schema compiled
// once. Every route lists the same ErrorBody object for each of its error statuses, and Fastify
// compiles the schema of every status of every route (HEAD routes too), so without this a start
// compiled ~520 serializers for ~30 distinct schemas, most of the CPU Fastify's start-up costs.
// A compiled serializer depends only on the schema and the compiler's options (the route, method
// and status are only for error messages), so one function serves every place the schema is used.
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

type SerializerFactory = ReturnType<typeof SerializerSelector>;

export function sharedSerializers(): { factory: SerializerFactory; compiledFor: (schema: object) => ((payload: never) => string) | undefined } {
  const build = SerializerSelector();
  // Every schema compiled so far, whichever context compiled it (there are no shared schemas).
  const all = new WeakMap<object, (payload: never) => string>();
  const factory: SerializerFactory = (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    const compiled = new WeakMap<object, ReturnType<typeof compile>>();
    return (route) => {
      const { schema } = route;
      if (typeof schema !== 'object' || schema === null) return compile(route);
      let serializer = compiled.get(schema);
      if (!serializer) {
        serializer = compile(route);
        compiled.set(schema, serializer);
        all.set(schema, serializer as (payload: never) => string);
      }
      return serializer;
    };
  };
  /** The serializer Fastify compiled for a route's response schema (the hot path answers with it). */
  return { factory, compiledFor: (schema) => all.get(schema) };
}
