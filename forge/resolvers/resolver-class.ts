// @forge/resolver is CommonJS with `exports.default = Resolver`. Node's ESM loader (tests, the demo)
// hands us module.exports as the default import, while the Forge bundler unwraps `default`; this
// takes the class either way.
import resolverModule from '@forge/resolver';

type ResolverModule = typeof resolverModule;
type ResolverClass = ResolverModule extends { default: infer C } ? C : ResolverModule;

export const Resolver: ResolverClass =
  ((resolverModule as unknown as { default?: ResolverClass }).default ?? (resolverModule as unknown as ResolverClass));
export type Resolver = InstanceType<ResolverClass>;
