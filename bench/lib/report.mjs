// Turns a bench report into the figures of issue 8, a markdown table and an SVG chart.
import { round } from './load.mjs';

/** The issue's targets: reported, never asserted. */
export const TARGETS = {
  create: { label: 'create approval request', unit: '× baseline', atLeast: 0.3 },
  status: { label: 'approval status read', unit: '× baseline', atLeast: 0.5 },
  verify: { label: 'TOTP verify (accepted)', unit: '× baseline', atLeast: 0.3 },
  'answer long poll': { label: 'device answer → long poll, p99', unit: 'ms', atMost: 10 },
  'answer stream': { label: 'device answer → event stream, p99', unit: 'ms', atMost: 10 },
  'answer callback': { label: 'device answer → callback, p99', unit: 'ms', atMost: 10 },
  'memory stream': { label: 'memory per idle event stream', unit: 'KB', atMost: 10 },
  'memory long poll': { label: 'memory per idle long poll', unit: 'KB', atMost: 10 },
  store: { label: 'status p99, 1 M stored vs 1 000', unit: '×', atMost: 1.5 },
};

/** The figure of each target for one dialect's results, with what it was computed from. */
export function figuresOf(result) {
  const f = result.figures ?? {};
  const out = {};
  const ratio = (name) => {
    if (f[name] === undefined || f.baseline === undefined) return;
    const cpu =
      f[name].cpu_us > 0 && f.baseline.cpu_us > 0
        ? `; by CPU time ${round(f.baseline.cpu_us / f[name].cpu_us, 2)}`
        : '';
    out[name] = {
      value: round(f[name].rps / f.baseline.rps, 2),
      detail: `${f[name].rps.toLocaleString('en')} / ${f.baseline.rps.toLocaleString('en')} req/s${cpu}`,
    };
  };
  ratio('create');
  ratio('status');
  ratio('verify');
  for (const mode of ['long poll', 'stream', 'callback']) {
    const a = f.answer?.[mode];
    if (a !== undefined)
      out[`answer ${mode}`] = { value: a.p99, detail: `p50 ${a.p50} ms, ${a.samples} samples` };
  }
  for (const mode of ['stream', 'long poll']) {
    const m = f.memory?.[mode];
    if (m !== undefined)
      out[`memory ${mode}`] = {
        value: m.kb_each,
        detail: `${m.waits.toLocaleString('en')} at once; RSS ${m.rss_kb_each} KB each`,
      };
  }
  if (f.status_at_rate !== undefined && f.status_large_at_rate !== undefined) {
    out.store = {
      value: round(f.status_large_at_rate.p99 / f.status_at_rate.p99, 2),
      detail:
        `${f.status_large_at_rate.p99} / ${f.status_at_rate.p99} ms at ` +
        `${f.status_at_rate.rate.toLocaleString('en')} req/s`,
    };
  }
  return out;
}

export function meets(name, value) {
  const target = TARGETS[name];
  return target.atLeast !== undefined ? value >= target.atLeast : value <= target.atMost;
}

const targetText = (t) => `${t.atLeast !== undefined ? '≥' : '≤'} ${t.atLeast ?? t.atMost} ${t.unit}`;
const DIALECT_NAMES = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

export function renderMarkdown(report) {
  const columns = report.results;
  const figures = columns.map((r) => (r.available ? figuresOf(r) : {}));
  const lines = [
    `# Countersign benchmark`,
    '',
    `${report.generated_at} · \`${report.command}\` · ${report.machine.cpus} × ${report.machine.cpu} · ` +
      `Node ${report.machine.node} · ${report.seconds} s`,
    '',
    `| figure | target | ${columns.map((r) => DIALECT_NAMES[r.dialect] ?? r.dialect).join(' | ')} |`,
    `| --- | --- | ${columns.map(() => '---').join(' | ')} |`,
  ];
  for (const [name, target] of Object.entries(TARGETS)) {
    const cells = figures.map((f, i) => {
      if (!columns[i].available) return 'n/a';
      const figure = f[name];
      if (figure === undefined) return '–';
      return `${meets(name, figure.value) ? '✅' : '❌'} **${figure.value}** (${figure.detail})`;
    });
    lines.push(`| ${target.label} | ${targetText(target)} | ${cells.join(' | ')} |`);
  }
  lines.push('');
  for (const r of columns) {
    if (!r.available) {
      lines.push(`**${DIALECT_NAMES[r.dialect] ?? r.dialect}:** not measured — ${r.note}`, '');
      continue;
    }
    const f = r.figures;
    const row = (name, x) =>
      x === undefined
        ? []
        : [
            `| ${name} | ${x.rps.toLocaleString('en')} | ${x.cpu_us ?? '–'} | ${x.p50 ?? '–'} | ${x.p99 ?? '–'} | ` +
              `${x.connections}${x.rate ? ` @ ${x.rate}/s` : ''} | ${x.ok} | ${x.other} |`,
          ];
    lines.push(
      `### ${DIALECT_NAMES[r.dialect]}: every run`,
      '',
      '| run | req/s | server CPU µs per request | p50 ms | p99 ms | connections | answered as expected | other |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...row('baseline (empty route)', f.baseline),
      ...row('status read, 1 000 stored', f.status),
      ...row('status read, 1 000 stored, fixed rate', f.status_at_rate),
      ...row('create approval request', f.create),
      ...row('TOTP verify, accepted (200)', f.verify),
      ...row('TOTP verify, wrong code (401)', f.verify_refused),
      ...row(`status read, ${f.store_fill?.to?.toLocaleString('en')} stored`, f.status_large),
      ...row(
        `status read, ${f.store_fill?.to?.toLocaleString('en')} stored, fixed rate`,
        f.status_large_at_rate,
      ),
      ...row('baseline again, at the end', f.baseline_end),
      '',
    );
    if (f.store_fill !== undefined)
      lines.push(
        `Store filled from ${f.store_fill.from.toLocaleString('en')} to ${f.store_fill.to.toLocaleString('en')} ` +
          `requests in ${(f.store_fill.ms / 1000).toFixed(1)} s.`,
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
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600">Countersign benchmark — ${xml(report.generated_at.slice(0, 10))}</text>`,
    `<text x="12" y="40" fill="#555">${xml(`${report.machine.cpus} × ${report.machine.cpu}, Node ${report.machine.node}; dashed line: target`)}</text>`,
  ];
  columns.forEach((r, i) => {
    parts.push(
      `<rect x="${width - 200 + i * 95}" y="30" width="10" height="10" fill="${colors[r.dialect] ?? '#777'}"/>`,
      `<text x="${width - 186 + i * 95}" y="39">${xml(DIALECT_NAMES[r.dialect] ?? r.dialect)}</text>`,
    );
  });
  names.forEach((name, row) => {
    const target = TARGETS[name];
    const y = top + row * rowHeight;
    const limit = target.atLeast ?? target.atMost;
    const values = figures.map((f) => f[name]?.value).filter((v) => v !== undefined);
    const scale = barMax / (Math.max(limit, ...values) * 1.15);
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
        `<text x="${(left + w + 6).toFixed(1)}" y="${by + 11}">${xml(`${figure.value} ${target.unit}`)}${meets(name, figure.value) ? '' : ' ✗'}</text>`,
      );
    });
    const tx = (left + limit * scale).toFixed(1);
    parts.push(
      `<line x1="${tx}" x2="${tx}" y1="${y}" y2="${y + rowHeight - 6}" stroke="#222" stroke-dasharray="3,3"/>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
