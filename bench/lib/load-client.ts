// The fallback load generator (when wrk is missing): `connections` loops of keep-alive fetches
// for `seconds`, then one JSON line with throughput and latency percentiles.
import type { LoadResult, LoadSpec } from "./load";

const spec = JSON.parse(process.argv[2] as string) as LoadSpec;
const latencies: number[] = [];
let failures = 0;
const until = performance.now() + spec.seconds * 1000;

async function loop() {
  while (performance.now() < until) {
    const started = performance.now();
    try {
      const response = await fetch(spec.url, { method: spec.method, headers: spec.headers, body: spec.body });
      await response.arrayBuffer();
      if (response.status >= 400) failures++;
      latencies.push(performance.now() - started);
    } catch {
      failures++;
    }
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: spec.connections }, loop));
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
const result: LoadResult = {
  rps: latencies.length / elapsed,
  p50Ms: at(50),
  p99Ms: at(99),
  requests: latencies.length,
  failures,
};
console.log(JSON.stringify(result));
