import { useCallback, useEffect, useState } from 'preact/hooks';

/** A short message for the page's live region; `id` changes with every message, even a repeated one. */
export interface Notice {
  readonly id: number;
  readonly text: string;
}

const SHOWN_MS = 10_000;

/**
 * The current notice, a stable function that replaces it, and one that dismisses it (its button, or Escape
 * anywhere in the page). Each notice also fades after a while.
 */
export function useNotice(): [Notice | null, (text: string) => void, () => void] {
  const [notice, setNotice] = useState<Notice | null>(null);
  const announce = useCallback((text: string) => {
    setNotice((previous) => ({ id: (previous?.id ?? 0) + 1, text }));
  }, []);
  const dismiss = useCallback(() => setNotice(null), []);
  useEffect(() => {
    if (notice === null) return;
    const timer = window.setTimeout(dismiss, SHOWN_MS);
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !event.defaultPrevented) dismiss();
    };
    document.addEventListener('keydown', onKey);
    return () => {
      window.clearTimeout(timer);
      document.removeEventListener('keydown', onKey);
    };
  }, [notice, dismiss]);
  return [notice, announce, dismiss];
}
