import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';

export { freePort } from './free-port.mjs';

const BIN = join(import.meta.dirname, '../../bin/countersign.js');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a `countersign` command to completion and returns its stdout (rejects on a non-zero exit). */
export function countersign(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [BIN, ...args], { env, timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

/** A `countersign serve` child process. */
export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  /** What it wrote, for the failure message of a test. */
  readonly output: string[];
  /** Resolves once the process has exited, with its code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `countersign serve` on `port` and waits until it is ready (`/readyz` answers 200). */
export async function serve(env: NodeJS.ProcessEnv, port: number): Promise<ServeProcess> {
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { ...env, PORT: String(port), PUBLIC_URL: url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.on('data', (chunk: Buffer) => output.push(String(chunk)));
  child.stderr?.on('data', (chunk: Buffer) => output.push(String(chunk)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      if ((await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) })).status === 200)
        return { child, url, output, exited };
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`countersign serve did not become ready:\n${output.join('')}`);
}

/** Kills a child that is still running and waits for it (bounded). */
export async function stop(process: ServeProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (process.child.exitCode === null && process.child.signalCode === null) process.child.kill(signal);
  await Promise.race([process.exited, sleep(10_000)]);
}
