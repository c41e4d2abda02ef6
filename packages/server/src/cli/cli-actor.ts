import { userInfo } from 'node:os';

/** Who runs the command line, for the audit log: `cli:<os user>` (`cli:uid-<n>` where the user has no name). */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return `cli:uid-${process.getuid?.() ?? 'unknown'}`;
  }
}
