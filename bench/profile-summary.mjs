#!/usr/bin/env node
// Reads a V8 .cpuprofile (node --cpu-prof; `node bench/run.mjs --profile DIR` writes the server's) and
// prints where the time went: self time by function, by module, and inclusive time by function.
//   node bench/profile-summary.mjs FILE.cpuprofile [--phase NAME] [--top 30] [--filter TEXT]
// `--phase` keeps only the samples taken during one measured phase (bench/run.mjs writes the phases'
// windows to marks.json beside the profile): `status`, `create`, `verify`, `answer stream`, …
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, filter: { type: 'string' }, phase: { type: 'string' } },
});
const top = Number(values.top);
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const [from, to] =
  values.phase === undefined
    ? [0, Number.POSITIVE_INFINITY]
    : JSON.parse(readFileSync(join(dirname(positionals[0]), 'marks.json'), 'utf8'))[values.phase];

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

// Time per sample: the gap to the next sample.
const self = new Map();
let total = 0;
let at = profile.startTime;
profile.samples.forEach((id, i) => {
  at += profile.timeDeltas[i] ?? 0;
  if (at < from || at > to) return;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  self.set(id, (self.get(id) ?? 0) + dt);
  total += dt;
});

const shortUrl = (url) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/packages\//, '');
const nameOf = (frame) =>
  `${frame.functionName || '(anonymous)'} ${shortUrl(frame.url)}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
const moduleOf = (frame) => {
  if (frame.url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const url = frame.url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg !== undefined) return pkg;
  if (url.startsWith('node:')) return url;
  return shortUrl(url);
};

const selfByFunction = new Map();
const selfByModule = new Map();
const inclusive = new Map();
for (const [id, time] of self) {
  const frame = byId.get(id).callFrame;
  const name = nameOf(frame);
  selfByFunction.set(name, (selfByFunction.get(name) ?? 0) + time);
  const mod = moduleOf(frame);
  selfByModule.set(mod, (selfByModule.get(mod) ?? 0) + time);
  // Each function on the stack gets the sample once, however often it recurses.
  const seen = new Set();
  for (let at = id; at !== undefined; at = parent.get(at)) {
    const n = nameOf(byId.get(at).callFrame);
    if (seen.has(n)) continue;
    seen.add(n);
    inclusive.set(n, (inclusive.get(n) ?? 0) + time);
  }
}

const print = (title, map) => {
  console.log(`\n${title}`);
  const rows = [...map]
    .filter(([name]) => values.filter === undefined || name.includes(values.filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top);
  for (const [name, time] of rows)
    console.log(
      `${((100 * time) / total).toFixed(1).padStart(6)}%  ${(time / 1000).toFixed(0).padStart(7)} ms  ${name}`,
    );
};

console.log(
  `${positionals[0]}${values.phase ? ` [${values.phase}]` : ''}: ${(total / 1e6).toFixed(1)} s sampled`,
);
print('self time by module', selfByModule);
print('self time by function', selfByFunction);
print('inclusive time by function', inclusive);
