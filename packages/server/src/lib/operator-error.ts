/**
 * A mistake the operator can correct — a setting, an argument, a key: the command line prints its message as
 * one line, without a stack, and exits with `exitCode`. Each kind lives beside the code that finds it; the
 * command line knows them by this class alone, so it need not load that code to recognise them.
 */
export class OperatorError extends Error {
  /** 2 when the command was called wrongly, 1 when what it found is wrong. */
  readonly exitCode: 1 | 2 = 1;
}
