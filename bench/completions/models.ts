// GET /api/models with three connections (an OpenAI-compatible one, an Ollama node and an
// OpenAI-compatible URL where nothing listens), after the first fetch, against a bare Bun.serve
// answering the same bytes (bench/lib/raw-server.ts, in its own process). Ours and the bare
// server take turns for `rounds` rounds; each keeps its best req/s and its lowest server CPU time
// per answer (user + system of its process), which other work on the machine disturbs less.
// Needs `wrk`.
//   bun bench/completions/models.ts [seconds=5] [connections=50] [rounds=5]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cpuMicros, freePort, startProcess } from "../lib/process";
import type { RecordedResponse } from "../lib/raw-server";
import { spawnReady } from "./processes";

const seconds = Number(process.argv[2] ?? 5);
const connections = Number(process.argv[3] ?? 50);
const rounds = Number(process.argv[4] ?? 5);

const openai = await spawnReady(["bench/completions/upstream.ts", "0"]);
const ollama = await spawnReady(["bench/completions/ollama-upstream.ts", "0"]);
const server = await spawnReady([
  "bench/completions/server.ts",
  "0",
  `http://127.0.0.1:${openai.words[0]};http://127.0.0.1:9/v1`,
  `http://127.0.0.1:${ollama.words[0]}`,
]);
const [port, token] = server.words;
const path = "/api/models";
const url = `http://127.0.0.1:${port}${path}`;
const auth = { authorization: `Bearer ${token}` };

let started = performance.now();
const first = await fetch(url, { headers: auth });
const body = await first.text();
console.log(`first request: ${(performance.now() - started).toFixed(1)} ms, ${JSON.parse(body).data.length} models, ${body.length} bytes`);
started = performance.now();
const second = await fetch(url, { headers: auth });
await second.text();
console.log(`second request: ${(performance.now() - started).toFixed(2)} ms`);

// The bare server answers the recorded status, headers and body byte for byte.
const headers: [string, string][] = [];
second.headers.forEach((value, name) => {
  if (name !== "content-length" && name !== "date") headers.push([name, value]);
});
const recorded: RecordedResponse[] = [{ method: "GET", path, signedIn: true, status: second.status, headers, body: Buffer.from(body).toString("base64") }];
const dir = mkdtempSync(join(tmpdir(), "owb-models-bench-"));
const recordedFile = join(dir, "recorded.json");
writeFileSync(recordedFile, JSON.stringify(recorded));
const rawPort = await freePort();
const raw = await startProcess(["bun", join(import.meta.dir, "..", "lib", "raw-server.ts"), recordedFile, String(rawPort)], {
  env: process.env as Record<string, string>,
  cwd: dir,
  port: rawPort,
  readyPath: "/__ready",
});
process.on("exit", () => {
  raw.proc.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** One wrk run against `target`; req/s and the CPU time `pid` spent per answer. */
async function load(target: string, pid: number, duration: number): Promise<{ rps: number; cpuUs: number }> {
  const before = cpuMicros(pid);
  const args = ["wrk", "-t1", `-c${connections}`, `-d${duration}s`, "-H", `Authorization: Bearer ${token}`, target];
  const out = await new Response(Bun.spawn(args, { stdout: "pipe" }).stdout).text();
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const answers = Number(/(\d+) requests in/.exec(out)?.[1]);
  if (!Number.isFinite(rps) || !answers) throw new Error(out);
  return { rps, cpuUs: (cpuMicros(pid) - before) / answers };
}

const targets = [
  { label: "GET /api/models", url, pid: server.proc.pid },
  { label: "bare Bun.serve, same bytes", url: `${raw.url}${path}`, pid: raw.proc.pid },
];
const best = targets.map(() => ({ rps: 0, cpuUs: Number.POSITIVE_INFINITY }));
for (let round = 0; round < rounds; round++) {
  for (const [i, target] of targets.entries()) {
    await load(target.url, target.pid, 1);
    const result = await load(target.url, target.pid, seconds);
    const kept = best[i] as { rps: number; cpuUs: number };
    kept.rps = Math.max(kept.rps, result.rps);
    kept.cpuUs = Math.min(kept.cpuUs, result.cpuUs);
  }
}
const [ours, bare] = best as [{ rps: number; cpuUs: number }, { rps: number; cpuUs: number }];
console.log(`wrk -t1 -c${connections} -d${seconds}s, ${rounds} rounds each, taking turns (best req/s, lowest CPU per answer)`);
console.log(`  bare Bun.serve, same bytes: ${bare.rps.toFixed(0)} req/s, ${bare.cpuUs.toFixed(2)} µs CPU per answer`);
console.log(`  GET /api/models (admin): ${ours.rps.toFixed(0)} req/s, ${ours.cpuUs.toFixed(2)} µs CPU per answer`);
console.log(`  share of bare: ${((ours.rps / bare.rps) * 100).toFixed(1)}% of req/s, ${((bare.cpuUs / ours.cpuUs) * 100).toFixed(1)}% from CPU per answer`);

server.proc.kill();
openai.proc.kill();
ollama.proc.kill();
process.exit(0);
