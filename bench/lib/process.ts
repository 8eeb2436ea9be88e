// Starting and watching server processes: a free port, time to the first 200, memory, SIGTERM.
import type { Subprocess } from "bun";
import { readFileSync } from "node:fs";

export interface RunningProcess {
  proc: Subprocess<"ignore", "ignore", "pipe">;
  url: string;
  /** Milliseconds from spawn to the first 200 of `readyPath`. */
  firstOkMs: number;
}

export async function freePort(): Promise<number> {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port as number;
  await probe.stop(true);
  return port;
}

/** Spawns `command`, then asks `readyPath` every millisecond until it answers 200. */
export async function startProcess(
  command: string[],
  options: { env: Record<string, string>; cwd: string; port: number; readyPath?: string; timeoutMs?: number },
): Promise<RunningProcess> {
  const url = `http://127.0.0.1:${options.port}`;
  const started = performance.now();
  const proc = Bun.spawn(command, { cwd: options.cwd, env: options.env, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const deadline = started + (options.timeoutMs ?? 30_000);
  while (performance.now() < deadline) {
    if (proc.exitCode !== null) {
      throw new Error(`${command[0]} exited with ${proc.exitCode}: ${await new Response(proc.stderr).text()}`);
    }
    try {
      const response = await fetch(`${url}${options.readyPath ?? "/health"}`);
      await response.arrayBuffer();
      if (response.status === 200) return { proc, url, firstOkMs: performance.now() - started };
    } catch {}
    await Bun.sleep(1);
  }
  proc.kill("SIGKILL");
  throw new Error(`${command[0]} did not answer within ${options.timeoutMs ?? 30_000} ms`);
}

/** Sends SIGTERM and waits; returns the exit code and how long the process took to go. */
export async function stopProcess(proc: Subprocess, timeoutMs = 15_000): Promise<{ exitCode: number | null; ms: number }> {
  const started = performance.now();
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  const exitCode = await proc.exited;
  clearTimeout(timer);
  return { exitCode, ms: performance.now() - started };
}

export interface Memory {
  /** Resident set now, in MB. */
  rssMb: number;
  /** Highest resident set so far, in MB. */
  peakMb: number;
}

export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { rssMb: kb("VmRSS") / 1024, peakMb: kb("VmHWM") / 1024 };
}

/** The process listening on a loopback TCP port, if this machine lets us see it. */
export function listenerPid(port: number): number | null {
  const ss = Bun.which("ss");
  if (!ss) return null;
  const out = Bun.spawnSync([ss, "-ltnpH", `sport = :${port}`]).stdout.toString();
  const pid = /pid=(\d+)/.exec(out)?.[1];
  return pid ? Number(pid) : null;
}

const CLOCK_TICKS_PER_SECOND = Number(Bun.spawnSync(["getconf", "CLK_TCK"]).stdout.toString().trim()) || 100;

/** CPU time (user + system, all threads) a process has used so far, in microseconds. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1_000_000) / CLOCK_TICKS_PER_SECOND;
}
