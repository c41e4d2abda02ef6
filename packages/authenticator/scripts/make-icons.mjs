#!/usr/bin/env node
// Draws the web apps' PNG icons (a white check in a ring on a colour) with node:zlib only, so the repository
// needs no image tools. Run it after changing the design: `npm run icons` in the authenticator (the brand
// blue, into its public/) or in the console (`--color 15,118,110 --out public`: teal, into the console's).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { deflateSync } from 'node:zlib';

const { values } = parseArgs({ options: { color: { type: 'string' }, out: { type: 'string' } } });
const COLOR = (values.color ?? '29,78,216').split(',').map(Number);
if (COLOR.length !== 3 || COLOR.some((c) => !Number.isInteger(c) || c < 0 || c > 255)) {
  throw new Error(`--color is R,G,B (each 0 to 255), got "${values.color}"`);
}
const WHITE = [255, 255, 255];

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function png(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function distanceToSegment(px, py, [ax, ay], [bx, by]) {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Coverage (0..1) of a shape given a signed distance (negative inside), one pixel of anti-aliasing. */
const cover = (distance) => Math.max(0, Math.min(1, 0.5 - distance));

/**
 * One icon. Coordinates are in a 0..1 square; `safe` shrinks the artwork (maskable icons keep it inside
 * the central 80%) and `rounded` gives the background rounded corners (otherwise it fills the square).
 */
function draw(size, { safe, rounded }) {
  const out = Buffer.alloc(size * size * 4);
  const scale = size * safe;
  const offset = (size - scale) / 2;
  const check = [
    [0.3, 0.52],
    [0.44, 0.66],
    [0.71, 0.38],
  ];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      let background = 1;
      if (rounded) {
        const r = size * 0.22;
        const qx = Math.max(Math.abs(px - size / 2) - (size / 2 - r), 0);
        const qy = Math.max(Math.abs(py - size / 2) - (size / 2 - r), 0);
        background = cover(Math.hypot(qx, qy) - r);
      }
      const u = (px - offset) / scale;
      const v = (py - offset) / scale;
      const ring = cover((Math.abs(Math.hypot(u - 0.5, v - 0.5) - 0.32) - 0.045) * scale);
      const stroke = Math.min(
        distanceToSegment(u, v, check[0], check[1]),
        distanceToSegment(u, v, check[1], check[2]),
      );
      const mark = Math.max(ring, cover((stroke - 0.05) * scale));
      const i = (y * size + x) * 4;
      for (let c = 0; c < 3; c++) out[i + c] = Math.round(COLOR[c] * (1 - mark) + WHITE[c] * mark);
      out[i + 3] = Math.round(255 * background);
    }
  }
  return png(size, out);
}

const folder =
  values.out === undefined
    ? new URL('../public/', import.meta.url)
    : pathToFileURL(`${resolve(values.out)}/`);
writeFileSync(new URL('icon-192.png', folder), draw(192, { safe: 1, rounded: true }));
writeFileSync(new URL('icon-512.png', folder), draw(512, { safe: 1, rounded: true }));
writeFileSync(new URL('icon-maskable-512.png', folder), draw(512, { safe: 0.8, rounded: false }));
