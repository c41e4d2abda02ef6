// What every bank page must be, read in the browser: its head (title, viewport, description), the contrast
// of its text in the reader's colour scheme (computed here, WCAG 2 relative luminance), and axe-core's
// WCAG A/AA rules, in light and in dark.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults, ImpactValue, RunOptions } from 'axe-core';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The rules axe runs: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices. */
const AXE_OPTIONS: RunOptions = {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
};

/** The impacts no bank page may have. */
const BLOCKING: readonly ImpactValue[] = ['critical', 'serious'];

interface Rgba {
  readonly r: number;
  readonly g: number;
  readonly b: number;
  readonly a: number;
}

/** A colour as `getComputedStyle` writes it: `rgb(r, g, b)` or `rgba(r, g, b, a)`. */
export function parseColor(css: string): Rgba {
  const match = /^rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)$/.exec(css);
  if (match === null) throw new Error(`not a computed sRGB colour: ${css}`);
  const [, r, g, b, a] = match;
  return { r: Number(r), g: Number(g), b: Number(b), a: a === undefined ? 1 : Number(a) };
}

/** WCAG 2's relative luminance of an opaque colour. */
export function luminance(css: string): number {
  const { r, g, b } = parseColor(css);
  const [R, G, B] = [r, g, b].map((value) => {
    const c = value / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * R + 0.7152 * G + 0.0722 * B;
}

/** WCAG 2's contrast ratio between two opaque colours, from 1 to 21. */
export function contrastRatio(foreground: string, background: string): number {
  const [light, dark] = [luminance(foreground), luminance(background)].sort((x, y) => y - x) as [
    number,
    number,
  ];
  return (light + 0.05) / (dark + 0.05);
}

/** A page element, as far as these checks read it (the tests compile without the DOM library). */
interface InPageElement {
  readonly parentElement: InPageElement | null;
  readonly childNodes: Iterable<{ readonly nodeType: number; readonly textContent: string | null }>;
  readonly textContent: string | null;
  getClientRects(): { readonly length: number };
  getAttribute(name: string): string | null;
}

/** The browser's globals these checks read. */
interface InPage {
  readonly document: {
    readonly title: string;
    readonly documentElement: InPageElement;
    readonly body: InPageElement;
    querySelector(selector: string): InPageElement | null;
    querySelectorAll(selector: string): Iterable<InPageElement>;
  };
  getComputedStyle(element: InPageElement): {
    readonly color: string;
    readonly backgroundColor: string;
    readonly colorScheme: string;
  };
}

/** The page's own colours, and every visible text on it with the background it is drawn on. */
export interface PageColours {
  /** `color-scheme` as the root computes it. */
  readonly scheme: string;
  /** The canvas (the root's background) and the body's text colour. */
  readonly background: string;
  readonly text: string;
  readonly texts: readonly { readonly text: string; readonly color: string; readonly background: string }[];
}

/** Reads the page's colours as the browser computed them for the scheme it emulates now. */
export function pageColours(page: Page): Promise<PageColours> {
  return page.evaluate(() => {
    const { document, getComputedStyle } = globalThis as unknown as InPage;
    const TEXT_NODE = 3;
    const opaque = (element: InPageElement | null): string => {
      for (let at = element; at !== null; at = at.parentElement) {
        const color = getComputedStyle(at).backgroundColor;
        if (color !== 'transparent' && !/^rgba\(.*, 0\)$/.test(color)) return color;
      }
      return getComputedStyle(document.documentElement).backgroundColor;
    };
    const texts = [];
    for (const element of document.querySelectorAll('body *')) {
      const own = [...element.childNodes].some(
        (node) => node.nodeType === TEXT_NODE && (node.textContent ?? '').trim() !== '',
      );
      if (!own || element.getClientRects().length === 0) continue;
      texts.push({
        text: (element.textContent ?? '').trim().slice(0, 40),
        color: getComputedStyle(element).color,
        background: opaque(element),
      });
    }
    const root = getComputedStyle(document.documentElement);
    return {
      scheme: root.colorScheme,
      background: root.backgroundColor,
      text: getComputedStyle(document.body).color,
      texts,
    };
  });
}

/** What the page's head says of it. */
export function pageHead(page: Page): Promise<{ title: string; viewport?: string; description?: string }> {
  return page.evaluate(() => {
    const { document } = globalThis as unknown as InPage;
    const meta = (name: string) =>
      document.querySelector(`meta[name="${name}"]`)?.getAttribute('content') ?? undefined;
    return {
      title: document.title,
      ...(meta('viewport') !== undefined && { viewport: meta('viewport') }),
      ...(meta('description') !== undefined && { description: meta('description') }),
    };
  });
}

/**
 * axe-core's findings on the page as it stands: its critical and serious violations (each as rule id, impact
 * and the first elements it names), and whether the contrast rule ran and passed on something. The script
 * is given to the page through the DevTools protocol, which the bank's CSP does not govern; the page itself
 * still runs nothing but the bank's own script.
 */
export async function axeFindings(
  page: Page,
): Promise<{ blocking: string[]; contrastChecked: boolean; rules: number }> {
  const loaded = await page.evaluate(() => 'axe' in globalThis);
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(
    (options) =>
      (
        globalThis as unknown as InPage & { axe: { run(c: unknown, o: unknown): Promise<AxeResults> } }
      ).axe.run((globalThis as unknown as InPage).document, options),
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
    contrastChecked: results.passes.some((rule) => rule.id === 'color-contrast'),
    rules: results.passes.length + results.violations.length,
  };
}
