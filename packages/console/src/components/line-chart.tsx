import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Chart } from '../overview-series.js';

/** Line colours told apart in light and dark, and by colour-blind eyes (Okabe–Ito). */
const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9'];

/**
 * One uPlot chart of `chart`'s lines over `times`, as wide as its container. The canvas is an image to
 * assistive technology, named by its title and totals; the numbers themselves are the page's counters.
 */
export function LineChart({ chart, times }: { chart: Chart; times: readonly number[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    const text = getComputedStyle(element).color;
    const grid = getComputedStyle(element).getPropertyValue('--line').trim() || '#cbd5e1';
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 200),
        height: 200,
        series: [
          {},
          ...chart.lines.map((line, index) => ({
            label: line.label,
            stroke: PALETTE[index % PALETTE.length] ?? '#0072b2',
            width: 2,
          })),
        ],
        axes: [axis, axis],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
      },
      [[...times], ...chart.lines.map((line) => [...line.values])],
      element,
    );
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(element.clientWidth, 200), height: 200 }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [chart, times]);
  const totals = chart.lines
    .map((line) => `${line.label}: ${line.values.reduce((sum, value) => sum + value, 0)}`)
    .join(', ');
  return (
    <figure class="chart">
      <figcaption>{chart.title}</figcaption>
      <div ref={box} role="img" aria-label={`${chart.title} over time. ${totals}.`} />
    </figure>
  );
}
