// Turns a bench report into the figures of issues 8 and 18, a markdown table and an SVG chart.
import { round } from './load.mjs';

/**
 * The issues' targets: reported, never asserted. A throughput target is a ratio to the empty route of the
 * same run, and differs by database (issue 18): `{ sqlite, postgres }`. A figure without `atLeast` or
 * `atMost` is reported only.
 */
export const TARGETS = {
  create: {
    label: 'create approval request',
    unit: '× baseline',
    atLeast: { sqlite: 0.3, postgres: 0.15 },
  },
  status: { label: 'approval status read', unit: '× baseline', atLeast: { sqlite: 0.5, postgres: 0.3 } },
  verify: {
    label: 'TOTP verify (accepted)',
    unit: '× baseline',
    atLeast: { sqlite: 0.35, postgres: 0.2 },
  },
  verify_refused: {
    label: 'TOTP verify (wrong code)',
    unit: '× baseline',
    atLeast: { sqlite: 0.35, postgres: 0.2 },
  },
  device_answer: {
    label: 'device answer (signed, verified, receipt)',
    unit: '× baseline',
    atLeast: { sqlite: 0.15, postgres: 0.1 },
  },
  'answer long poll': { label: 'device answer → long poll, p99', unit: 'ms', atMost: 10 },
  'answer stream': { label: 'device answer → event stream, p99', unit: 'ms', atMost: 10 },
  'answer callback': { label: 'device answer → callback, p99', unit: 'ms', atMost: 10 },
  'memory stream': { label: 'memory per idle event stream', unit: 'KiB', atMost: 10 },
  'memory long poll': { label: 'memory per idle long poll', unit: 'KiB', atMost: 10 },
  store: { label: 'status p99, 1 M stored vs 1 000', unit: '×', atMost: 1.5 },
  import: { label: 'users import (issue 20), one transaction', unit: 'users/s' },
};

const count = (n) => n.toLocaleString('en');

/** The figures that are a ratio of throughput to the baseline's. */
const THROUGHPUT = ['create', 'status', 'verify', 'verify_refused', 'device_answer'];

/** A target's bound for one database (a single number, or one per database). */
const limitOf = (target, dialect) => {
  const bound = target.atLeast ?? target.atMost;
  return bound === undefined || typeof bound === 'number' ? bound : bound[dialect];
};

/** The figure of each target for one dialect's results, with what it was computed from. */
export function figuresOf(result) {
  const f = result.figures ?? {};
  const out = {};
  for (const name of THROUGHPUT) {
    const x = f[name];
    if (x === undefined || f.baseline === undefined) continue;
    const cpu = x.cpu_us > 0 && f.baseline.cpu_us > 0 ? round(f.baseline.cpu_us / x.cpu_us, 2) : undefined;
    out[name] = {
      value: round(x.rps / f.baseline.rps, 2),
      detail:
        `${count(x.rps)} / ${count(f.baseline.rps)} req/s` +
        (cpu === undefined ? '' : `; by CPU time ${cpu} (${x.cpu_us} / ${f.baseline.cpu_us} µs)`),
    };
  }
  for (const mode of ['long poll', 'stream', 'callback']) {
    const a = f.answer?.[mode];
    if (a !== undefined)
      out[`answer ${mode}`] = { value: a.p99, detail: `p50 ${a.p50} ms, ${a.samples} samples` };
  }
  for (const mode of ['stream', 'long poll']) {
    const m = f.memory?.[mode];
    if (m === undefined) continue;
    out[`memory ${mode}`] = {
      value: m.kb_each,
      detail: `${count(m.waits)} at once on ${count(m.requests)} requests; RSS ${m.rss_kb_each} KiB each`,
    };
  }
  const small = f.status_light;
  const large = f.status_large_light;
  if (small !== undefined && large !== undefined) {
    out.store = {
      value: round(large.p99 / small.p99, 2),
      detail:
        `${large.p99} / ${small.p99} ms on ${small.connections} connections; median of 3 runs ` +
        `(${large.p99_runs.join(', ')} / ${small.p99_runs.join(', ')})`,
    };
  }
  if (f.import !== undefined) {
    out.import = {
      value: f.import.users_per_s,
      detail: `${count(f.import.users)} users in ${count(f.import.ms)} ms; ${f.import.cpu_us} µs CPU each`,
    };
  }
  return out;
}

/** Whether a figure meets its target on `dialect`'s column; `undefined` for a figure that has none. */
export function meets(name, value, dialect) {
  const target = TARGETS[name];
  const limit = limitOf(target, dialect);
  if (limit === undefined) return undefined;
  return target.atLeast !== undefined ? value >= limit : value <= limit;
}

const targetText = (t) => {
  const bound = t.atLeast ?? t.atMost;
  if (bound === undefined) return '(reported)';
  const shown =
    typeof bound === 'number'
      ? bound
      : Object.entries(bound)
          .map(([dialect, limit]) => `${limit} (${DIALECT_NAMES[dialect] ?? dialect})`)
          .join(' / ');
  return `${t.atLeast !== undefined ? '≥' : '≤'} ${shown} ${t.unit}`;
};
const mark = (met) => (met === undefined ? '' : met ? '✅ ' : '❌ ');
const DIALECT_NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL' };
const dialectName = (r) => DIALECT_NAMES[r.dialect] ?? r.dialect;

export function renderMarkdown(report) {
  const columns = report.results;
  const figures = columns.map((r) => (r.available ? figuresOf(r) : {}));
  const m = report.machine;
  const lines = [
    '# Countersign benchmark',
    '',
    `${report.generated_at} · \`${report.command}\` · ${m.cpus} × ${m.cpu} · Node ${m.node} · ` +
      `${report.seconds} s · load average ${m.load_average_before} before, ${m.load_average_after} after`,
    '',
    ...(report.settings?.postgres_synchronous_commit !== undefined &&
    report.settings.postgres_synchronous_commit !== 'on'
      ? [
          `**PostgreSQL ran with \`synchronous_commit = ${report.settings.postgres_synchronous_commit}\`**: a ` +
            "measurement of the commit's flush, not the service's setting (it runs with the server's default, `on`).",
          '',
        ]
      : []),
    `| figure | target | ${columns.map(dialectName).join(' | ')} |`,
    `| --- | --- | ${columns.map(() => '---').join(' | ')} |`,
  ];
  for (const [name, target] of Object.entries(TARGETS)) {
    const cells = figures.map((f, i) => {
      if (!columns[i].available) return 'n/a';
      const figure = f[name];
      if (figure === undefined) return '–';
      return `${mark(meets(name, figure.value, columns[i].dialect))}**${name === 'import' ? `${count(figure.value)} users/s` : figure.value}** (${figure.detail})`;
    });
    lines.push(`| ${target.label} | ${targetText(target)} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  for (const r of columns) {
    if (!r.available) {
      lines.push(`**${dialectName(r)}:** not measured — ${r.note}`, '');
      continue;
    }
    const f = r.figures;
    const row = (name, x) =>
      x === undefined
        ? []
        : [
            `| ${name} | ${count(x.rps)} | ${x.cpu_us ?? '–'} | ${x.p50 ?? '–'} | ${x.p99 ?? '–'} | ` +
              `${x.connections} | ${x.ok} | ${x.other} |`,
          ];
    const stored = f.store_fill === undefined ? '' : count(f.store_fill.to);
    lines.push(
      `### ${dialectName(r)}: every run`,
      '',
      ...(r.server === undefined ? [] : [`Server: ${r.server}.`, '']),
      '| run | req/s | server CPU µs per request | p50 ms | p99 ms | connections | answered as expected | other |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...row('baseline (empty route)', f.baseline),
      ...row('status read, 1 000 stored', f.status),
      ...row('status read, 1 000 stored, light load (median run)', f.status_light),
      ...row('create approval request', f.create),
      ...row('TOTP verify, accepted (200)', f.verify),
      ...row('TOTP verify, wrong code (401)', f.verify_refused),
      ...row('device answer (signed, verified, receipt)', f.device_answer),
      ...row(`status read, ${stored} stored`, f.status_large),
      ...row(`status read, ${stored} stored, light load (median run)`, f.status_large_light),
      ...row('baseline again, at the end', f.baseline_end),
      '',
    );
    if (f.store_fill !== undefined)
      lines.push(
        `Store filled from ${count(f.store_fill.from)} to ${count(f.store_fill.to)} requests in ` +
          `${(f.store_fill.ms / 1000).toFixed(1)} s.`,
        '',
      );
  }
  return `${lines.join('\n')}\n`;
}

const xml = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One small bar chart per figure: a bar per dialect, the target as a dashed line. */
export function renderSvg(report) {
  const columns = report.results.filter((r) => r.available);
  const figures = columns.map(figuresOf);
  const colors = { sqlite: '#3b6ea8', postgres: '#c2703d' };
  const names = Object.keys(TARGETS);
  const rowHeight = 18 * Math.max(1, columns.length) + 22;
  const left = 270;
  const width = 760;
  const barMax = width - left - 90;
  const top = 56;
  const height = top + names.length * rowHeight + 20;
  const m = report.machine;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">Countersign benchmark — ${xml(report.generated_at.slice(0, 10))}</text>`,
    `<text x="12" y="40" fill="#555">${xml(`${m.cpus} × ${m.cpu}, Node ${m.node}; dashed line: target; ✗: missed`)}</text>`,
  ];
  columns.forEach((r, i) => {
    parts.push(
      `<rect x="${width - 200 + i * 95}" y="30" width="10" height="10" fill="${colors[r.dialect] ?? '#777'}"/>`,
      `<text x="${width - 186 + i * 95}" y="39">${xml(dialectName(r))}</text>`,
    );
  });
  names.forEach((name, row) => {
    const target = TARGETS[name];
    const y = top + row * rowHeight;
    const limits = columns.map((r) => limitOf(target, r.dialect));
    const values = figures.map((f) => f[name]?.value).filter((v) => v !== undefined);
    const scale = barMax / (Math.max(...limits.filter((l) => l !== undefined), ...values, 1e-9) * 1.15);
    parts.push(
      `<text x="12" y="${y + 14}">${xml(target.label)}</text>`,
      `<text x="12" y="${y + 28}" fill="#777">${xml(`target ${targetText(target)}`)}</text>`,
    );
    figures.forEach((f, i) => {
      const figure = f[name];
      if (figure === undefined) return;
      const by = y + 4 + i * 18;
      const w = Math.max(1, figure.value * scale);
      parts.push(
        `<rect x="${left}" y="${by}" width="${w.toFixed(1)}" height="14" fill="${colors[columns[i].dialect] ?? '#777'}"/>`,
        `<text x="${(left + w + 6).toFixed(1)}" y="${by + 11}">${xml(`${figure.value} ${target.unit}`)}${meets(name, figure.value, columns[i].dialect) === false ? ' ✗' : ''}</text>`,
      );
      // Each database's own target, across its own bar.
      if (limits[i] === undefined) return;
      const tx = (left + limits[i] * scale).toFixed(1);
      parts.push(
        `<line x1="${tx}" x2="${tx}" y1="${by - 2}" y2="${by + 16}" stroke="#222" stroke-dasharray="3,3"/>`,
      );
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
