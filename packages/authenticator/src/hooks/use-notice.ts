import { useCallback, useEffect, useState } from 'preact/hooks';

/** A short message for the page's live region; `id` changes with every message, even a repeated one. */
export interface Notice {
  readonly id: number;
  readonly text: string;
}

const SHOWN_MS = 10_000;

/** The current notice and a stable function that replaces it; each notice fades after a while. */
export function useNotice(): [Notice | null, (text: string) => void] {
  const [notice, setNotice] = useState<Notice | null>(null);
  const announce = useCallback((text: string) => {
    setNotice((previous) => ({ id: (previous?.id ?? 0) + 1, text }));
  }, []);
  useEffect(() => {
    if (notice === null) return;
    const timer = window.setTimeout(() => setNotice(null), SHOWN_MS);
    return () => window.clearTimeout(timer);
  }, [notice]);
  return [notice, announce];
}
