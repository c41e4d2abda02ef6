import { useMemo, useState } from 'preact/hooks';
import { get } from '../api.js';
import { LoadState, PageHeading, Time } from '../components/common.js';
import { LineChart } from '../components/line-chart.js';
import { useLoad } from '../hooks/use-load.js';
import { type Overview, overviewView, RANGES, type Range } from '../overview-series.js';

const RANGE_LABELS: Record<Range, string> = { hour: 'Last hour', day: 'Last day', week: 'Last week' };

/** Counters and charts of the last hour, day or week. */
export function OverviewPage() {
  const [range, setRange] = useState<Range>('day');
  const loaded = useLoad(() => get<Overview>('/overview', { range }), range);
  const view = useMemo(
    () => (loaded.data === undefined ? undefined : overviewView(loaded.data)),
    [loaded.data],
  );
  return (
    <>
      <PageHeading>Overview</PageHeading>
      <fieldset class="segmented">
        <legend>Range</legend>
        {RANGES.map((value) => (
          <label key={value}>
            <input
              type="radio"
              name="range"
              value={value}
              checked={range === value}
              onChange={() => setRange(value)}
            />
            {RANGE_LABELS[value]}
          </label>
        ))}
      </fieldset>
      <LoadState loading={loaded.loading && view === undefined} error={loaded.error} />
      {view !== undefined && loaded.data !== undefined && (
        <>
          <p class="muted">
            As of <Time at={loaded.data.generated_at} />. Answer time: median{' '}
            {formatMs(loaded.data.answer_time_ms.median)}, 95th percentile{' '}
            {formatMs(loaded.data.answer_time_ms.p95)}.
          </p>
          <ul class="counters" aria-label="Totals">
            {view.counters.map((counter) => (
              <li key={counter.label}>
                <span class="counter-value">{counter.value}</span>
                <span class="counter-label">{counter.label}</span>
              </li>
            ))}
          </ul>
          <div class="charts">
            {view.charts.map((chart) => (
              <LineChart key={chart.id} chart={chart} times={view.times} />
            ))}
          </div>
        </>
      )}
    </>
  );
}

function formatMs(ms: number | null): string {
  if (ms === null) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
