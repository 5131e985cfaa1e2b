// The Forge runtime around a BUILT bundle. Inside the bundle @forge/api and @forge/kvs are inlined, so
// they cannot be stubbed as modules; they reach the platform through the runtime's global
// `__forge_fetch__(target, path, init)`: product calls (`fpp`, e.g. Jira), remote calls (`frc`, the
// companion) and storage (`kvs`). This answers each the way forge-module-stubs.ts answers the modules
// in the other suites: a real companion over HTTP with a signed token, Jira from the platform state,
// Forge storage in memory.
import { callCompanion, callJira } from './forge-module-stubs.js';
import { platformState } from './forge-platform-state.js';

interface FetchTarget {
  type: string;
  remote?: string;
  provider?: string;
}
type Init = { method?: string; body?: string; headers?: Record<string, string> };

/** Forge storage's wire calls (`POST /api/v1/get|set|delete` with `{key, value}`), on the state's map. */
function storage(path: string, init: Init): Response {
  const body = JSON.parse(init.body ?? '{}') as { key: string; value?: unknown };
  switch (path) {
    case '/api/v1/get':
      return platformState.kvs.has(body.key)
        ? Response.json({ key: body.key, value: structuredClone(platformState.kvs.get(body.key)) })
        : Response.json({ code: 'KEY_NOT_FOUND', message: 'The key was not found' }, { status: 404 });
    case '/api/v1/set':
      platformState.kvs.set(body.key, structuredClone(body.value));
      return new Response(null, { status: 204 });
    case '/api/v1/delete':
      platformState.kvs.delete(body.key);
      return new Response(null, { status: 204 });
    default:
      return Response.json({ code: 'NOT_STUBBED', message: `${path} is not part of this stand-in` }, { status: 400 });
  }
}

async function forgeFetch(target: FetchTarget, path: string, init: Init = {}): Promise<Response> {
  if (target.type === 'frc') return callCompanion(target.remote ?? '', { path, ...init });
  if (target.type === 'fpp' && target.remote === 'jira') return callJira(path, init);
  if (target.type === 'kvs') return storage(path, init);
  throw new Error(`The app asked the platform for ${JSON.stringify(target)}, which it does not use`);
}

/** Installs the runtime's globals for the bundles loaded afterwards; the returned function removes them. */
export function installForgeRuntime(): () => void {
  const g = globalThis as Record<string, unknown>;
  g.__forge_fetch__ = forgeFetch;
  return () => {
    delete g.__forge_fetch__;
  };
}
