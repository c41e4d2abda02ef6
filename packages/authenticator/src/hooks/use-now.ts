import { useEffect, useState } from 'preact/hooks';

/** The current time in milliseconds, updated every `intervalMs` (aligned to the second for countdowns). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    let timer: number;
    const tick = () => {
      const current = Date.now();
      setNow(current);
      timer = window.setTimeout(tick, intervalMs - (current % intervalMs));
    };
    timer = window.setTimeout(tick, intervalMs - (Date.now() % intervalMs));
    return () => window.clearTimeout(timer);
  }, [intervalMs]);
  return now;
}
