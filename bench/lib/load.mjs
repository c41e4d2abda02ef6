// autocannon, run from this (the parent) process against the service's child process.
import autocannon from 'autocannon';

export const round = (value, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Percentiles of a list of milliseconds, to 0.01 ms. */
export function percentiles(samples) {
  const sorted = Float64Array.from(samples).sort();
  const at = (p) => (sorted.length === 0 ? null : round(sorted[Math.ceil((p / 100) * sorted.length) - 1], 2));
  return { p50: at(50), p90: at(90), p99: at(99), max: at(100) };
}

/**
 * Runs one load and sums it up. `requests` is autocannon's request list (with `setupRequest` and
 * `onResponse` hooks where a run needs per-request data). Only answers with the expected status (any 2xx,
 * or `expect`) count toward `rps`; every other answer is counted in `other`, so a run that measured
 * something else shows as such. Latencies are those of the expected answers at full precision
 * (autocannon's own histogram has 1 ms buckets, too coarse here).
 */
export async function load(url, { connections, duration, amount, requests, headers, expect }) {
  const expected = (status) => (expect === undefined ? status >= 200 && status < 300 : status === expect);
  const latencies = [];
  let other = 0;
  // Timed here: autocannon's own start and finish are stamped on its one-second ticks.
  const started = performance.now();
  let last = started;
  const instance = autocannon({
    url,
    connections,
    requests,
    headers,
    timeout: 30,
    ...(amount !== undefined ? { amount } : { duration }),
  });
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    last = performance.now();
    if (expected(statusCode)) latencies.push(responseTime);
    else other += 1;
  });
  const result = await instance;
  const seconds = (last - started) / 1000;
  return {
    connections,
    seconds: round(seconds, 3),
    ok: latencies.length,
    other,
    errors: result.errors,
    statuses: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, Number(stats.count)]),
    ),
    rps: Math.round(latencies.length / seconds),
    ...percentiles(latencies),
  };
}
