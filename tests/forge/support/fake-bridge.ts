// The UI Kit host as far as the bridge goes: `getContext`, `invoke` (to a resolver of the test's
// choosing), `submit` and Forge app events. Must be imported before anything loads @forge/bridge,
// which looks for `__bridge` when it is first imported.
type Listener = (payload?: unknown) => unknown;

export interface BridgeState {
  context: Record<string, unknown>;
  invoke: (functionKey: string, payload: Record<string, unknown>) => Promise<unknown>;
  invocations: Array<{ functionKey: string; payload: Record<string, unknown> }>;
  /** Every answer the UI received, as it crossed the bridge. */
  answers: unknown[];
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
  submitted: [],
  emitted: [],
  listeners: new Map(),
};

export function resetBridge(context: Record<string, unknown>, invoke: BridgeState['invoke']) {
  Object.assign(bridge, { context, invoke, invocations: [], answers: [], submitted: [], emitted: [] });
  bridge.listeners.clear();
}

async function callBridge(name: string, data: Record<string, unknown>): Promise<unknown> {
  switch (name) {
    case 'getContext':
      return structuredClone(bridge.context);
    case 'invoke': {
      const { functionKey, payload } = data as { functionKey: string; payload: Record<string, unknown> };
      bridge.invocations.push({ functionKey, payload: structuredClone(payload ?? {}) });
      // Payloads cross the bridge as JSON, as they do between the iframe and the platform.
      const answer = JSON.parse(JSON.stringify(await bridge.invoke(functionKey, structuredClone(payload ?? {})))) as unknown;
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
