import { useEffect, useState } from 'preact/hooks';

/** Where this browser keeps the user's choice to lock codes behind the screen lock. */
const KEY = 'countersign.codes-locked';
const CHANGED = 'countersign:codes-locked';

/** Whether showing codes asks for the screen lock first (a user setting, D14). */
export function codesLocked(): boolean {
  try {
    return window.localStorage.getItem(KEY) === 'on';
  } catch {
    return false; // Storage turned off: nothing to remember the choice in.
  }
}

export function setCodesLocked(locked: boolean): void {
  window.localStorage.setItem(KEY, locked ? 'on' : 'off');
  window.dispatchEvent(new Event(CHANGED));
}

/** The setting, kept current when another part of the page changes it. */
export function useCodesLocked(): boolean {
  const [locked, setLocked] = useState(codesLocked);
  useEffect(() => {
    const changed = () => setLocked(codesLocked());
    window.addEventListener(CHANGED, changed);
    return () => window.removeEventListener(CHANGED, changed);
  }, []);
  return locked;
}
