// Starting the benchmark's helper processes and reading their "ready …" line.
import type { Subprocess } from "bun";
import { readdirSync, readFileSync } from "node:fs";
import { cpuMicros } from "../lib/process";

export interface Started {
  proc: Subprocess;
  words: string[];
}

const children: Subprocess[] = [];
// Helpers never outlive the benchmark, even when it fails half-way.
process.on("exit", () => {
  for (const child of children) child.kill();
});

export async function spawnReady(args: string[]): Promise<Started> {
  const proc = Bun.spawn(["bun", ...args], { stdout: "pipe", stderr: "inherit" });
  children.push(proc);
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${args.join(" ")} exited before it was ready`);
    text += new TextDecoder().decode(value);
  }
  const line = text.split("\n").find((l) => l.startsWith("ready "));
  if (!line) throw new Error(`unexpected output: ${text}`);
  return { proc, words: line.split(" ").slice(1) };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * CPU time (all threads) a process has used so far, in microseconds, to the nanosecond where
 * Linux keeps per-thread schedstat (a short stream is far below /proc/<pid>/stat's 10 ms ticks).
 */
export function preciseCpuMicros(pid: number): number {
  let nanos = 0;
  let read = false;
  try {
    for (const thread of readdirSync(`/proc/${pid}/task`)) {
      try {
        nanos += Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, "utf8").split(" ")[0]);
        read = true;
      } catch {
        // The thread ended between the listing and the read, or there is no schedstat.
      }
    }
  } catch {}
  return read ? nanos / 1000 : cpuMicros(pid);
}
