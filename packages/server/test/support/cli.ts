import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `countersign ARGS` to completion in this process: the program `bin/countersign.js` runs, with exactly
 * the environment given (never this process's) and `stdin` as its piped input, its output captured and its exit code returned. Commands
 * that run until stopped (`serve`, `dev`) and what only a process shows (signals, its real exit status)
 * are tested on the binary itself.
 */
export async function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  stdin?: string,
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'countersign', ...args], {
    env,
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
    input: async () => stdin,
  });
  return { code, stdout, stderr };
}
