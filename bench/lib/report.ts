// bench/RESULTS.md: the machine, the command, the date, the targets, and every measured ratio.
import type { LoadResult } from "./load";
import type { Machine } from "./machine";
import type { Memory } from "./process";

export interface RequestResult {
  caseName: string;
  label: string;
  bytes: number;
  ours: LoadResult;
  raw: LoadResult;
  python?: LoadResult;
}

export interface Results {
  date: string;
  command: string;
  machine: Machine;
  loader: string;
  settings: { seconds: number; warmup: number; connections: number; rounds: number };
  /** 1-minute load average of the machine before and after the run (other work running). */
  loadAverage: { before: number[]; after: number[] };
  dialect: "sqlite" | "postgres";
  startup: { fresh: number[]; existing: number[]; shutdownMs: number[]; exitCodes: (number | null)[] };
  memory: { idle: Memory; after10k: Memory; afterLoad: Memory; rawIdle: Memory; python?: Memory };
  python: { url: string; signedIn: boolean } | null;
  cases: { name: string; title: string }[];
  requests: RequestResult[];
}

export const TARGETS = { firstOkMs: 150, idleRssMb: 60, configShareOfRaw: 0.7 };

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const int = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => (Number.isFinite(n) ? `${n < 10 ? n.toFixed(2) : n.toFixed(1)} ms` : "–");
const mb = (n: number) => `${n.toFixed(1)} MB`;
const pct = (n: number) => `${(n * 100).toFixed(1)}%`;
const met = (ok: boolean) => (ok ? "met" : "**missed**");
const us = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? `${n.toFixed(1)} µs` : "–");
const pctOrDash = (n: number | undefined) => (n === undefined ? "–" : pct(n));

/** raw's CPU per answer over ours: the share of raw's capacity we reach when CPU is the limit. */
function cpuRatio(q: RequestResult): number | undefined {
  const ours = q.ours.cpuUsPerRequest;
  const raw = q.raw.cpuUsPerRequest;
  return ours && raw && Number.isFinite(ours) && Number.isFinite(raw) ? raw / ours : undefined;
}

export function renderResults(r: Results): string {
  const { machine, startup, memory } = r;
  const freshMedian = median(startup.fresh);
  const configRows = r.requests.filter((q) => q.label.startsWith("/api/config"));
  const lines: string[] = [
    "# Benchmark results",
    "",
    "Written by `bun run bench` (see bench/README.md); each run replaces this file. Ratios compare",
    "servers measured one after another in the same run on the same machine.",
    "",
    `* Date: ${r.date.replace("T", " ").replace(/\.\d+Z$/, " UTC")}`,
    `* Command: \`${r.command}\``,
    `* Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.ramGb} GB RAM; ${machine.os}; Bun ${machine.bun}`,
    `* Load: ${r.loader}, ${r.loader.startsWith("wrk") ? "1 thread" : "1 process"}, ${r.settings.connections} keep-alive connections, on loopback; per row ${r.settings.rounds} rounds of ${r.settings.warmup} s warm-up + ${r.settings.seconds} s, ours and raw taking turns, best round kept`,
    `* Machine load average (1 min) before / after the run: ${r.loadAverage.before[0]?.toFixed(2)} / ${r.loadAverage.after[0]?.toFixed(2)}`,
    `* Our server: the compiled executable (ENV=prod, GLOBAL_LOG_LEVEL=WARNING) on a fresh ${r.dialect === "sqlite" ? "SQLite" : "PostgreSQL"} database`,
    `* Raw: a bare \`Bun.serve\` answering our recorded responses byte for byte (status, headers, body)`,
    r.python
      ? `* Python: the Open WebUI 0.6.32 reference already running at ${r.python.url}, one round per row${r.python.signedIn ? " (signed-in rows use an admin token there)" : " (no token given: signed-in rows left out)"}`
      : "* Python: not reachable during this run; its columns are left out",
    "",
    "## Targets",
    "",
    "| target | goal | measured | |",
    "|---|---|---|---|",
    `| first 200 after start, fresh data folder (median of ${startup.fresh.length}) | ≤ ${TARGETS.firstOkMs} ms | ${ms(freshMedian)} | ${met(freshMedian <= TARGETS.firstOkMs)} |`,
    `| idle RSS after start | ≤ ${TARGETS.idleRssMb} MB | ${mb(memory.idle.rssMb)} | ${met(memory.idle.rssMb <= TARGETS.idleRssMb)} |`,
    ...configRows.flatMap((q) => {
      const share = q.ours.rps / q.raw.rps;
      const rows = [
        `| ${q.label}: share of raw Bun.serve req/s | ≥ ${pct(TARGETS.configShareOfRaw)} | ${pct(share)} | ${met(share >= TARGETS.configShareOfRaw)} |`,
      ];
      const cpuShare = cpuRatio(q);
      if (cpuShare !== undefined) {
        rows.push(
          `| ${q.label}: the same, from CPU time per answer (raw ÷ ours) | ≥ ${pct(TARGETS.configShareOfRaw)} | ${pct(cpuShare)} | ${met(cpuShare >= TARGETS.configShareOfRaw)} |`,
        );
      }
      return rows;
    }),
    "",
    "## Throughput and latency",
    "",
    `| request | bytes | ours req/s | raw req/s | ours / raw | ours p50 | ours p99 | raw p50 | raw p99 |${r.python ? " Python req/s | ours / Python | Python p50 | Python p99 |" : ""}`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---:|${r.python ? "---:|---:|---:|---:|" : ""}`,
    ...r.requests.map((q) => {
      const cells = [
        q.label,
        String(q.bytes),
        int(q.ours.rps),
        int(q.raw.rps),
        pct(q.ours.rps / q.raw.rps),
        ms(q.ours.p50Ms),
        ms(q.ours.p99Ms),
        ms(q.raw.p50Ms),
        ms(q.raw.p99Ms),
      ];
      if (r.python) {
        cells.push(
          ...(q.python
            ? [int(q.python.rps), `${(q.ours.rps / q.python.rps).toFixed(1)}×`, ms(q.python.p50Ms), ms(q.python.p99Ms)]
            : ["–", "–", "–", "–"]),
        );
      }
      return `| ${cells.join(" | ")} |`;
    }),
    "",
  ];
  if (r.requests.some((q) => cpuRatio(q) !== undefined)) {
    lines.push(
      "## Server CPU time per answer",
      "",
      "User + system time of the server process (all threads) during a round, divided by the answers in",
      "it; lowest round. It moves far less than req/s when other work shares the machine.",
      "",
      `| request | ours | raw | raw ÷ ours |${r.python ? " Python | Python ÷ ours |" : ""}`,
      `|---|---:|---:|---:|${r.python ? "---:|---:|" : ""}`,
      ...r.requests.map((q) => {
        const cells = [q.label, us(q.ours.cpuUsPerRequest), us(q.raw.cpuUsPerRequest), pctOrDash(cpuRatio(q))];
        if (r.python) {
          const py = q.python?.cpuUsPerRequest;
          const ours = q.ours.cpuUsPerRequest;
          cells.push(us(py), py !== undefined && ours ? `${(py / ours).toFixed(0)}×` : "–");
        }
        return `| ${cells.join(" | ")} |`;
      }),
      "",
    );
  }
  const failures = r.requests.flatMap((q) =>
    (["ours", "raw", "python"] as const).flatMap((who) => {
      const result = q[who];
      return result && result.failures > 0 ? [`${q.label} (${who}): ${result.failures} failed of ${result.requests}`] : [];
    }),
  );
  if (failures.length) lines.push("Failed requests during load:", "", ...failures.map((f) => `* ${f}`), "");
  lines.push(
    "## Start, stop and memory",
    "",
    "| what | value |",
    "|---|---|",
    `| first 200, fresh data folder (creates webui.db) | median ${ms(freshMedian)}, max ${ms(Math.max(...startup.fresh))} (${startup.fresh.length} starts) |`,
    `| first 200, existing database | median ${ms(median(startup.existing))}, max ${ms(Math.max(...startup.existing))} (${startup.existing.length} starts) |`,
    `| SIGTERM to exit | median ${ms(median(startup.shutdownMs))}, max ${ms(Math.max(...startup.shutdownMs))}; exit codes ${[...new Set(startup.exitCodes)].join(", ")} |`,
    `| RSS idle, 2 s after start | ${mb(memory.idle.rssMb)} |`,
    `| RSS after 10,000 requests | ${mb(memory.after10k.rssMb)} |`,
    `| RSS after all load rows | ${mb(memory.afterLoad.rssMb)} (peak ${mb(memory.afterLoad.peakMb)}) |`,
    `| raw Bun.serve RSS, idle (\`bun\` running a script) | ${mb(memory.rawIdle.rssMb)} |`,
    ...(memory.python ? [`| Python reference RSS (running, before this run's load) | ${mb(memory.python.rssMb)} |`] : []),
    "",
  );
  return `${lines.join("\n")}\n`;
}
