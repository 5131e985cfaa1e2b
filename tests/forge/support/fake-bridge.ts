// The UI Kit host as far as the bridge goes: `getContext`, `invoke` (to a resolver of the test's
// choosing), `submit` and Forge app events. Must be imported before anything loads @forge/bridge,
// which looks for `__bridge` when it is first imported. `invoke` keeps Forge's documented limits
// for a frontend invocation: at most 500 KB sent and 5 MB received, or the call fails.
type Listener = (payload?: unknown) => unknown;

/** Forge's invocation limits for a frontend `invoke` ("500KB" in, "5MB" out). */
export const INVOKE_REQUEST_LIMIT = 500_000;
export const INVOKE_RESPONSE_LIMIT = 5_000_000;
const encoder = new TextEncoder();
const byteLength = (text: string) => encoder.encode(text).length;

export interface BridgeState {
  context: Record<string, unknown>;
  invoke: (functionKey: string, payload: Record<string, unknown>) => Promise<unknown>;
  invocations: Array<{ functionKey: string; payload: Record<string, unknown> }>;
  /** Every answer the UI received, as it crossed the bridge. */
  answers: unknown[];
  /** Bytes sent and received per invocation (JSON), including those the limits refused. */
  sizes: Array<{ functionKey: string; sent: number; received: number }>;
  submitted: unknown[];
  emitted: Array<{ event: string; payload: unknown }>;
  listeners: Map<string, Set<Listener>>;
}

export const bridge: BridgeState = {
  context: {},
  invoke: async () => {
    throw new Error('no resolver wired');
  },
  invocations: [],
  answers: [],
  sizes: [],
  submitted: [],
  emitted: [],
  listeners: new Map(),
};

export function resetBridge(context: Record<string, unknown>, invoke: BridgeState['invoke']) {
  Object.assign(bridge, { context, invoke, invocations: [], answers: [], sizes: [], submitted: [], emitted: [] });
  bridge.listeners.clear();
}

async function callBridge(name: string, data: Record<string, unknown>): Promise<unknown> {
  switch (name) {
    case 'getContext':
      return structuredClone(bridge.context);
    case 'invoke': {
      const { functionKey, payload } = data as { functionKey: string; payload: Record<string, unknown> };
      // Payloads cross the bridge as JSON, as they do between the iframe and the platform.
      const sent = JSON.stringify(payload ?? {});
      bridge.sizes.push({ functionKey, sent: byteLength(sent), received: 0 });
      if (byteLength(sent) > INVOKE_REQUEST_LIMIT) throw new Error(`${functionKey}: the request payload is ${byteLength(sent)} bytes; Forge allows ${INVOKE_REQUEST_LIMIT}`);
      bridge.invocations.push({ functionKey, payload: structuredClone(payload ?? {}) });
      const text = JSON.stringify(await bridge.invoke(functionKey, JSON.parse(sent) as Record<string, unknown>)) ?? 'null';
      bridge.sizes.at(-1)!.received = byteLength(text);
      if (byteLength(text) > INVOKE_RESPONSE_LIMIT) throw new Error(`${functionKey}: the response is ${byteLength(text)} bytes; Forge allows ${INVOKE_RESPONSE_LIMIT}`);
      const answer = JSON.parse(text) as unknown;
      bridge.answers.push(answer);
      return answer;
    }
    case 'submit':
      bridge.submitted.push(structuredClone(data));
      return true;
    case 'emit': {
      const { event, payload } = data as { event: string; payload: unknown };
      bridge.emitted.push({ event, payload });
      for (const listener of bridge.listeners.get(event) ?? []) listener(structuredClone(payload));
      return undefined;
    }
    case 'on': {
      const { event, callback } = data as { event: string; callback: Listener };
      const set = bridge.listeners.get(event) ?? new Set();
      set.add(callback);
      bridge.listeners.set(event, set);
      return { unsubscribe: () => set.delete(callback) };
    }
    default:
      return undefined;
  }
}

// Only `__bridge` is needed (both @forge/bridge copies read globalThis.__bridge). No `window`: the
// embedded Postgres the same test process runs takes a global `window` for a browser and breaks.
(globalThis as Record<string, unknown>).__bridge = { callBridge };
