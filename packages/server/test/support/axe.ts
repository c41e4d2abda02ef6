import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults, ImpactValue, RunOptions } from 'axe-core';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The rules axe runs: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices. */
const AXE_OPTIONS: RunOptions = {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
};

/** The impacts no page of the service may have. */
const BLOCKING: readonly ImpactValue[] = ['critical', 'serious'];

/**
 * axe-core's critical and serious findings on the page as it stands (each as rule id, impact and the first
 * elements it names), and how many rules ran. The script goes in through the DevTools protocol, which the
 * page's Content-Security-Policy does not govern (as in examples/bank/test/page-checks.ts).
 */
export async function axeFindings(page: Page): Promise<{ blocking: string[]; rules: number }> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(
    (options) =>
      (
        globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<AxeResults> } }
      ).axe.run((globalThis as unknown as { document: unknown }).document, options),
    AXE_OPTIONS as unknown as Record<string, unknown>,
  );
  return {
    blocking: results.violations
      .filter((violation) => violation.impact != null && BLOCKING.includes(violation.impact))
      .map(
        (violation) =>
          `${violation.id} (${violation.impact}): ${violation.nodes
            .slice(0, 3)
            .map((node) => `${node.target.join(' ')} ${node.failureSummary ?? ''}`)
            .join(' | ')}`,
      ),
    rules: results.passes.length + results.violations.length,
  };
}
