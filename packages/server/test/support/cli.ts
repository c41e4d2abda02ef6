import { main } from '../../src/cli/main.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `countersign ARGS` to completion in this process: the program `bin/countersign.js` runs, with exactly
 * the environment given (never this process's) and `stdin` as its piped input, its output captured and its
 * exit code returned. Commands that run until stopped (`serve`, `dev`) and what only a process shows (signals, its real exit status)
 * are tested on the binary itself. `onOut` sees the output as it grows, for a command that prints what
 * another must act on before it ends; `ask` answers its questions as a person at a terminal would.
 */
export async function runCli(
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  options: {
    stdin?: string;
    onOut?: (stdoutSoFar: string) => void;
    ask?: (question: string) => Promise<string>;
  } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'countersign', ...args], {
    env,
    out: (text) => {
      stdout += text;
      options.onOut?.(stdout);
    },
    err: (text) => {
      stderr += text;
    },
    input: async () => options.stdin,
    ...(options.ask !== undefined && { ask: options.ask }),
  });
  return { code, stdout, stderr };
}
