import { appendFileSync } from 'node:fs';
import { afterEach, expect } from 'vitest';

/**
 * With `COUNTERSIGN_ASSERTION_LOG=FILE`, every test appends one line to FILE: its project, file, name and the
 * assertions it made. Two runs' logs show whether a change to the tests lost any (`scripts/vitest/
 * assertion-totals.mjs FILE` sums them); `.ci/run` prints the totals of every run.
 */
const log = process.env.COUNTERSIGN_ASSERTION_LOG;
if (log !== undefined && log !== '') {
  afterEach((context) => {
    const { assertionCalls } = expect.getState();
    const line = [
      context.task.file.projectName,
      context.task.file.name,
      context.task.fullName,
      assertionCalls,
    ];
    appendFileSync(log, `${JSON.stringify(line)}\n`);
  });
}
