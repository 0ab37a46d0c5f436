// Polling helpers of the real-client scripts.
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls f every 100 ms until it returns something truthy (returned), or throws after timeoutMs.
export async function until(what, f, timeoutMs = 30000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error("timed out waiting for " + what);
    await sleep(100);
  }
}
