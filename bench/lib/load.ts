// The load generator, always a separate process on loopback: wrk when installed, else a small
// Bun client (load-client.ts). Both keep connections open and run for a bounded time.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface LoadSpec {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  connections: number;
  seconds: number;
}

export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Answers that were not 2xx/3xx, plus connection errors and timeouts. */
  failures: number;
  /**
   * The server's CPU time per answer, in microseconds, when its process could be watched. Other
   * work on the machine changes it far less than it changes req/s.
   */
  cpuUsPerRequest?: number;
}

export type LoaderName = "wrk" | "bun";

export function pickLoader(requested?: string): LoaderName {
  if (requested === "bun") return "bun";
  if (Bun.which("wrk")) return "wrk";
  if (requested === "wrk") throw new Error("wrk is not installed (apt-get install -y wrk), or use --loader bun");
  return "bun";
}

export function loaderVersion(loader: LoaderName): string {
  if (loader === "bun") return `Bun ${Bun.version} client (load-client.ts)`;
  const out = Bun.spawnSync(["wrk", "--version"]);
  const text = `${out.stdout.toString()}${out.stderr.toString()}`;
  return /^wrk (\S+)/m.exec(text)?.[0] ?? "wrk";
}

export async function runLoad(loader: LoaderName, spec: LoadSpec): Promise<LoadResult> {
  return loader === "wrk" ? runWrk(spec) : runBunClient(spec);
}

async function runWrk(spec: LoadSpec): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), "owb-wrk-"));
  const script = join(dir, "request.lua");
  writeFileSync(script, wrkScript(spec));
  try {
    const proc = Bun.spawn(
      ["wrk", "-t1", `-c${spec.connections}`, `-d${spec.seconds}s`, "--timeout", "10s", "--latency", "-s", script, spec.url],
      { stdout: "pipe", stderr: "pipe" },
    );
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    if (code !== 0) throw new Error(`wrk failed (${code}): ${err || out}`);
    return parseWrk(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function wrkScript(spec: LoadSpec): string {
  const lines = [`wrk.method = ${luaString(spec.method)}`];
  for (const [name, value] of Object.entries(spec.headers)) lines.push(`wrk.headers[${luaString(name)}] = ${luaString(value)}`);
  if (spec.body !== undefined) lines.push(`wrk.body = ${luaString(spec.body)}`);
  return `${lines.join("\n")}\n`;
}

/** A Lua long-bracket string whose level does not occur in the text. */
function luaString(text: string): string {
  let level = "";
  while (text.includes(`]${level}]`)) level += "=";
  return `[${level}[\n${text}]${level}]`;
}

export function parseWrk(out: string): LoadResult {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const percentile = (p: string) => {
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\b`, "m").exec(out);
    if (!match) return NaN;
    const scale = { us: 0.001, ms: 1, s: 1000 }[match[2] as "us" | "ms" | "s"];
    return Number(match[1]) * scale;
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  if (!Number.isFinite(rps)) throw new Error(`unexpected wrk output:\n${out}`);
  return { rps, p50Ms: percentile("50"), p99Ms: percentile("99"), requests, failures: non2xx + socketErrors };
}

async function runBunClient(spec: LoadSpec): Promise<LoadResult> {
  const client = join(import.meta.dir, "load-client.ts");
  const proc = Bun.spawn([process.execPath, client, JSON.stringify(spec)], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`load client failed (${code}): ${err}`);
  return JSON.parse(out) as LoadResult;
}
