// What a verified token says about who is calling (Forge docs, "The Forge Invocation Token"): a UI
// module's call carries that module's type and the user's `principal`; every other call has
// `app.module.type` `core:endpoint` and no principal. Those are either one of the app's functions
// (a resolver's `invokeRemote`: the function's key) or the platform delivering an event to one of
// the manifest's endpoints (its key). The keys tell the two apart; neither can be had from a browser.
import type { Config, PlatformEndpoint } from '../config.js';
import type { Invocation } from './forge-token-verifier.js';

export const BACKEND_MODULE_TYPE = 'core:endpoint';

type Keys = Pick<Config, 'adminModuleKeys' | 'functionModuleKeys' | 'platformEndpointKeys'>;

const backendCall = (inv: Invocation) => !inv.principal && inv.moduleType === BACKEND_MODULE_TYPE && !!inv.moduleKey;

/** A call made by one of the app's own functions: only their code chose its body. */
export const isAppFunction = (inv: Invocation, keys: Keys) => backendCall(inv) && keys.functionModuleKeys.has(inv.moduleKey!);

/** The platform delivering a lifecycle or product event to the named endpoint. */
export const isPlatformDelivery = (inv: Invocation, keys: Keys, endpoint: PlatformEndpoint) =>
  backendCall(inv) && keys.platformEndpointKeys[endpoint].has(inv.moduleKey!);

/** The admin page or the admin resolver (COMPANION_ADMIN_MODULE_KEYS). */
export const isAdminModule = (inv: Invocation, keys: Keys) => !!inv.moduleKey && keys.adminModuleKeys.has(inv.moduleKey);
