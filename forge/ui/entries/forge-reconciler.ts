// @forge/react is CommonJS with the reconciler as `exports.default`: the Forge bundler unwraps it,
// Node's ESM loader and TypeScript's NodeNext view do not. This takes it either way.
import forgeReact from '@forge/react';

type ForgeReactModule = typeof forgeReact;
type Reconciler = ForgeReactModule extends { default: infer R } ? R : ForgeReactModule;

export const ForgeReconciler: Reconciler =
  (forgeReact as unknown as { default?: Reconciler }).default ?? (forgeReact as unknown as Reconciler);
