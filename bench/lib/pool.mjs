/** Runs `task(0)` … `task(count - 1)`, at most `concurrency` at a time; resolves with their results in order. */
export async function pool(count, concurrency, task) {
  const out = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}
