// GET /api/models with three connections (an OpenAI-compatible one, an Ollama node and an
// OpenAI-compatible URL where nothing listens), after the first fetch, against a bare Bun.serve
// answering the same bytes. Needs `wrk`.
//   bun bench/completions/models.ts [seconds=10] [connections=50]
import { spawnReady } from "./processes";

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 50);

const openai = await spawnReady(["bench/completions/upstream.ts", "0"]);
const ollama = await spawnReady(["bench/completions/ollama-upstream.ts", "0"]);
const server = await spawnReady([
  "bench/completions/server.ts",
  "0",
  `http://127.0.0.1:${openai.words[0]};http://127.0.0.1:9/v1`,
  `http://127.0.0.1:${ollama.words[0]}`,
]);
const [port, token] = server.words;
const url = `http://127.0.0.1:${port}/api/models`;

let started = performance.now();
const first = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
const body = await first.text();
console.log(`first request: ${(performance.now() - started).toFixed(1)} ms, ${JSON.parse(body).data.length} models, ${body.length} bytes`);
started = performance.now();
await fetch(url, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text());
console.log(`second request: ${(performance.now() - started).toFixed(2)} ms`);

const bare = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response(body, { headers: { "content-type": "application/json" } }) });

async function wrk(target: string, auth: boolean): Promise<number> {
  const args = ["wrk", "-t1", `-c${connections}`, `-d${seconds}s`, ...(auth ? ["-H", `Authorization: Bearer ${token}`] : []), target];
  const proc = Bun.spawn(args, { stdout: "pipe" });
  const out = await new Response(proc.stdout).text();
  const match = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!match) throw new Error(out);
  return Number(match[1]);
}

const ours = await wrk(url, true);
const reference = await wrk(`http://127.0.0.1:${bare.port}/`, false);
console.log(`wrk -t1 -c${connections} -d${seconds}s`);
console.log(`  bare Bun.serve, same bytes: ${reference.toFixed(0)} req/s`);
console.log(`  GET /api/models (admin): ${ours.toFixed(0)} req/s`);
console.log(`  share of bare: ${((ours / reference) * 100).toFixed(1)}%`);

bare.stop(true);
server.proc.kill();
openai.proc.kill();
ollama.proc.kill();
