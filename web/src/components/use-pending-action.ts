/**
 * The state of a user action (a button that starts something slow): whether it is running, to
 * disable the button and say "Starting…", and why it last failed.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText } from './error-text';

export interface PendingAction {
  /** At least one run is in flight. */
  pending: boolean;
  /** The last failure's sentence; cleared when a run starts. */
  error: string | null;
  /** Starts `action`; `onDone` gets its result (even after unmount: navigating may still be wanted). */
  run<T>(action: () => Promise<T>, onDone?: (value: T) => void): void;
  /** Shows a problem found before anything was sent (a form check), or clears it. */
  setError(message: string | null): void;
}

export interface PendingActionOptions {
  /** Failures go here instead of `error` (e.g. to the console's error banner). */
  onError?(error: unknown): void;
}

export function usePendingAction(options: PendingActionOptions = {}): PendingAction {
  const [inFlight, setInFlight] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const mounted = useRef(true);
  const onError = useRef(options.onError);
  onError.current = options.onError;

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const run = useCallback(<T,>(action: () => Promise<T>, onDone?: (value: T) => void) => {
    setInFlight((count) => count + 1);
    setError(null);
    action()
      .then(
        (value) => onDone?.(value),
        (failure: unknown) => {
          if (onError.current) onError.current(failure);
          else if (mounted.current) setError(errorText(failure));
        },
      )
      .finally(() => {
        if (mounted.current) setInFlight((count) => count - 1);
      });
  }, []);

  return { pending: inFlight > 0, error, run, setError };
}
