// Autocomplete asks the companion only once the user pauses typing: each keystroke restarts the
// timer, so a burst of typing costs one request.
import { useEffect, useRef } from 'react';

export const AUTOCOMPLETE_DEBOUNCE_MS = 300;

export function useDebouncedCallback<A extends unknown[]>(callback: (...args: A) => void, delayMs: number) {
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const latest = useRef(callback);
  latest.current = callback;
  useEffect(() => () => clearTimeout(timer.current), []);
  return (...args: A) => {
    clearTimeout(timer.current);
    timer.current = setTimeout(() => latest.current(...args), delayMs);
  };
}
