// Starting the benchmark's helper processes and reading their "ready …" line.
import type { Subprocess } from "bun";

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
