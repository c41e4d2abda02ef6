import { useCallback, useEffect, useState } from 'preact/hooks';
import { describeError } from '../api.js';

/** What a page loaded: the data, or why it could not. */
export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly loading: boolean;
  /** Loads again (after a change). */
  readonly reload: () => void;
  /** Replaces the data with what a change answered, without a round trip. */
  readonly set: (data: T) => void;
}

/**
 * Loads `load()` when the page opens and whenever `key` changes (a filter, an id). An answer that arrives
 * after the key changed is dropped, so a slow search never overwrites a newer one.
 */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  // `key` stands for everything `load` reads: a new `load` closure each render is not a new load.
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) => current && setState({ error: describeError(error), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [key, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  const set = useCallback((data: T) => setState({ data, loading: false }), []);
  return { data: state.data, error: state.error, loading: state.loading, reload, set };
}
