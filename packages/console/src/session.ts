import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Session } from './types.js';

/** The signed-in operator's session; pages read the role from it to show or hide change controls. */
export const SessionContext = createContext<Session | undefined>(undefined);

/** True when the signed-in operator may change things. The server refuses a viewer's change anyway. */
export function useIsAdmin(): boolean {
  return useContext(SessionContext)?.operator.role === 'admin';
}
