import { useEffect, useRef } from 'preact/hooks';
import type uPlot from 'uplot';
import type { Chart } from '../overview-series.js';

/** uPlot and its stylesheet, loaded with the first chart: the sign-in page and the lists never need them. */
const loadUplot = () =>
  Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([module]) => module.default);

/** Line colours told apart in light and dark, and by colour-blind eyes (Okabe–Ito). */
const PALETTE = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9'];
const HEIGHT = 200;
const MIN_WIDTH = 200;

/** Draws `chart` into `element` as wide as it is, following its width; returns what removes it. */
function draw(Plot: typeof uPlot, element: HTMLElement, chart: Chart, times: readonly number[]): () => void {
  // The axes take the page's colours, so the chart follows light and dark like the rest.
  const style = getComputedStyle(element);
  const grid = style.getPropertyValue('--line').trim() || '#cbd5e1';
  const axis = { stroke: style.color, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
  const width = () => Math.max(element.clientWidth, MIN_WIDTH);
  const plot = new Plot(
    {
      width: width(),
      height: HEIGHT,
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
  const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: HEIGHT }));
  resize.observe(element);
  return () => {
    resize.disconnect();
    plot.destroy();
  };
}

/**
 * One uPlot chart of `chart`'s lines over `times`, as wide as its container. The canvas is an image to
 * assistive technology, named by its title and totals; the numbers themselves are the page's counters.
 */
export function LineChart({ chart, times }: { chart: Chart; times: readonly number[] }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    let remove: (() => void) | undefined;
    let gone = false;
    void loadUplot().then((Plot) => {
      if (!gone) remove = draw(Plot, element, chart, times);
    });
    return () => {
      gone = true;
      remove?.();
    };
  }, [chart, times]);
  const totals = chart.lines
    .map((line) => `${line.label}: ${line.values.reduce((sum, value) => sum + value, 0)}`)
    .join(', ');
  return (
    <figure class="chart">
      <figcaption>{chart.title}</figcaption>
      <div ref={box} class="chart-plot" role="img" aria-label={`${chart.title} over time. ${totals}.`} />
    </figure>
  );
}
