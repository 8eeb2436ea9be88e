// SSE through /api/chat/completions (no socket) against streaming straight from the upstream:
// throughput of a long stream, the relay's CPU time per stream (server and bare relay, each
// in its own process), and the latency added to the first token.
//   bun bench/completions/sse.ts [tokens=20000] [rounds=7] [latencySamples=300]
import { percentile, preciseCpuMicros, spawnReady } from "./processes";

const tokens = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 7);
const samples = Number(process.argv[4] ?? 300);

const upstream = await spawnReady(["bench/completions/upstream.ts", "0"]);
const upstreamUrl = `http://127.0.0.1:${upstream.words[0]}/v1`;
const server = await spawnReady(["bench/completions/server.ts", "0", upstreamUrl]);
const [serverPort, token] = server.words;
const viaServer = `http://127.0.0.1:${serverPort}/api/chat/completions`;
const direct = `${upstreamUrl}/chat/completions`;
// The floor of any relay: a bare Bun.serve that passes the upstream's body through.
const bareRelay = await spawnReady(["bench/completions/bare-relay.ts", direct]);
const viaBare = `http://127.0.0.1:${bareRelay.words[0]}/`;

const body = (n: number, pace = 0) =>
  JSON.stringify({ model: "bench-model", stream: true, max_tokens: n, tokens_per_ms: pace, messages: [{ role: "user", content: "go" }] });
const headers = { "content-type": "application/json", authorization: `Bearer ${token}` };

/** Reads a whole stream; returns [ms to first byte, ms total, bytes]. */
async function read(url: string, n: number, pace = 0): Promise<[number, number, number]> {
  const started = performance.now();
  const response = await fetch(url, { method: "POST", headers, body: body(n, pace) });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let first = 0;
  let bytes = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (!first) first = performance.now() - started;
    bytes += value.length;
  }
  return [first, performance.now() - started, bytes];
}

// Warm up both paths (model list fetched, connections open, code compiled).
for (let i = 0; i < 3; i++) {
  await read(direct, 2000);
  await read(viaServer, 2000);
}

/** Reads a stream; also returns the CPU time `pid` spent meanwhile, in µs. */
async function readWithCpu(url: string, pid: number, n: number): Promise<[number, number, number]> {
  const before = preciseCpuMicros(pid);
  const [, ms, bytes] = await read(url, n);
  return [ms, bytes, preciseCpuMicros(pid) - before];
}

const directTimes: number[] = [];
const serverTimes: number[] = [];
const bareTimes: number[] = [];
const serverCpu: number[] = [];
const bareCpu: number[] = [];
let bytes = 0;
for (let i = 0; i < rounds; i++) {
  const [, d, b1] = await read(direct, tokens);
  const [s, b2, sc] = await readWithCpu(viaServer, server.proc.pid, tokens);
  const [b, , bc] = await readWithCpu(viaBare, bareRelay.proc.pid, tokens);
  if (b1 !== b2) throw new Error(`different bodies: ${b1} vs ${b2} bytes`);
  bytes = b1;
  directTimes.push(d);
  serverTimes.push(s);
  bareTimes.push(b);
  serverCpu.push(sc);
  bareCpu.push(bc);
}
const directMs = percentile(directTimes, 50);
const serverMs = percentile(serverTimes, 50);
const bareMs = percentile(bareTimes, 50);
console.log(`stream of ${tokens} tokens (${(bytes / 1e6).toFixed(2)} MB), median of ${rounds}:`);
console.log(`  direct from upstream: ${directMs.toFixed(1)} ms (${((tokens / directMs) * 1000).toFixed(0)} tokens/s)`);
console.log(`  through /api/chat/completions: ${serverMs.toFixed(1)} ms (${((tokens / serverMs) * 1000).toFixed(0)} tokens/s)`);
console.log(`  through a bare Bun.serve relay: ${bareMs.toFixed(1)} ms (${((directMs / bareMs) * 100).toFixed(1)}% of direct)`);
console.log(`  throughput share: ${((directMs / serverMs) * 100).toFixed(1)}% of direct, ${((bareMs / serverMs) * 100).toFixed(1)}% of the bare relay`);
const serverCpuMs = percentile(serverCpu, 50) / 1000;
const bareCpuMs = percentile(bareCpu, 50) / 1000;
console.log(`  relay CPU per stream (median): server ${serverCpuMs.toFixed(2)} ms (${((serverCpuMs * 1000) / tokens).toFixed(3)} µs per token), bare relay ${bareCpuMs.toFixed(2)} ms`);

const firstDirect: number[] = [];
const firstServer: number[] = [];
for (let i = 0; i < samples; i++) {
  firstDirect.push((await read(direct, 1))[0]);
  firstServer.push((await read(viaServer, 1))[0]);
}
const p50d = percentile(firstDirect, 50);
const p50s = percentile(firstServer, 50);
console.log(`first token, ${samples} requests each: direct p50 ${p50d.toFixed(2)} ms, through the server p50 ${p50s.toFixed(2)} ms`);
console.log(`  added latency p50: ${(p50s - p50d).toFixed(2)} ms (p95 ${(percentile(firstServer, 95) - percentile(firstDirect, 95)).toFixed(2)} ms)`);

// Many clients at once, each fed by a paced model (10 tokens per millisecond: far faster than a
// real one), so the upstream, not the relay, sets the pace.
const clients = 50;
const perClient = 5000;
for (const [label, url] of [["direct from upstream", direct], ["through /api/chat/completions", viaServer]] as const) {
  const started = performance.now();
  const cpuBefore = preciseCpuMicros(server.proc.pid);
  await Promise.all(Array.from({ length: clients }, () => read(url, perClient, 10)));
  const seconds = (performance.now() - started) / 1000;
  const cpu = url === viaServer ? `, server CPU ${((preciseCpuMicros(server.proc.pid) - cpuBefore) / (clients * perClient)).toFixed(2)} µs per token` : "";
  console.log(`${clients} paced streams of ${perClient} tokens, ${label}: ${((clients * perClient) / seconds).toFixed(0)} tokens/s${cpu}`);
}

bareRelay.proc.kill();
server.proc.kill();
upstream.proc.kill();
