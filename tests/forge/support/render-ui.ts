// react-test-renderer helpers for UI Kit: UI Kit components render as host elements named after the
// component ("Select", "Text", "CustomFieldEdit"), which the tests find and drive.
import { act, create, type ReactTestInstance, type ReactTestRenderer } from 'react-test-renderer';
import type { ReactElement } from 'react';

(globalThis as Record<string, unknown>).IS_REACT_ACT_ENVIRONMENT = true;

export async function render(element: ReactElement): Promise<ReactTestRenderer> {
  let renderer: ReactTestRenderer | undefined;
  await act(async () => {
    renderer = create(element);
  });
  return renderer!;
}

/**
 * Lets pending work (bridge calls, real HTTP, the embedded database) run until `done` holds. Each
 * round yields to the event loop once (setImmediate: fake timers in the autocomplete test leave it
 * alone); the bound only stops a broken UI from hanging the suite.
 */
export async function settle(renderer: ReactTestRenderer, done: (root: ReactTestInstance) => boolean, rounds = 20_000): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (done(renderer.root)) return;
    await act(async () => {
      await new Promise((resolve) => setImmediate(resolve));
    });
  }
  throw new Error(`UI did not reach the expected state: ${JSON.stringify(renderer.toJSON()).slice(0, 2000)}`);
}

export const byType = (root: ReactTestInstance, type: string) => root.findAll((n) => n.type === type);

export function textOf(renderer: ReactTestRenderer): string {
  const parts: string[] = [];
  const walk = (node: unknown) => {
    if (typeof node === 'string') parts.push(node);
    else if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const n = node as { props?: Record<string, unknown>; children?: unknown };
      if (typeof n.props?.text === 'string') parts.push(n.props.text);
      walk(n.children);
    }
  };
  walk(renderer.toJSON());
  return parts.join(' ');
}
