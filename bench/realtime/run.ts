// Realtime benchmark, run by hand (never part of the tests):
//   ulimit -n 20000; REDIS_URL=redis://127.0.0.1:6379 bun bench/realtime/run.ts
// Settings (environment): CLIENTS (idle sockets, default 10000), HOLD_S (how long they stay idle,
// default 60), FANOUT_CLIENTS (default 1000), PER_USER (events per user, default 100).
// Servers and clients run in separate processes. Prints a Markdown report.
// With PYTHON_REF_URL, PYTHON_REF_PID and PYTHON_REF_TOKEN (a running Python 0.6.32 instance of
// your own, its process group id, and a signed-in user's token) the idle test also runs against it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createContext } from "../../src/context";
import { signToken } from "../../src/core/jwt";
import { createLogger } from "../../src/core/logger";

const CLIENTS = Number(process.env.CLIENTS ?? 10_000);
const HOLD_S = Number(process.env.HOLD_S ?? 60);
const FANOUT_CLIENTS = Number(process.env.FANOUT_CLIENTS ?? 1_000);
const PER_USER = Number(process.env.PER_USER ?? 100);
const REDIS_URL = process.env.REDIS_URL ?? "";
const SECRET = "bench-secret";
const here = import.meta.dir;

const payload = {
  chat_id: "bench-chat",
  message_id: "bench-message",
  data: { type: "chat:completion", data: { content: "The quick brown fox jumps over the lazy dog. ".repeat(4) } },
};

interface Child {
  request<T = any>(message: unknown): Promise<T>;
  /** Asks the child to stop and waits for it to exit. */
  stop(): Promise<void>;
  ready: Promise<any>;
  kill(): void;
}

function spawnChild(file: string, env: Record<string, string>): Child {
  const waiting: ((message: any) => void)[] = [];
  let readyResolve: (message: any) => void = () => {};
  const ready = new Promise((resolve) => (readyResolve = resolve));
  const profile = process.env.PROFILE && file === "server.ts" && !env.RAW ? ["--cpu-prof-md", `--cpu-prof-dir=${process.env.PROFILE}`] : [];
  const proc = Bun.spawn(["bun", ...profile, join(here, file)], {
    env: { ...process.env, ...env },
    stdout: "inherit",
    stderr: "inherit",
    ipc(message) {
      if ((message as any)?.ready) readyResolve(message);
      else waiting.shift()?.(message);
    },
  });
  return {
    ready,
    request: (message) =>
      new Promise((resolve) => {
        waiting.push(resolve);
        proc.send(message);
      }),
    stop: async () => {
      proc.send({ cmd: "stop" });
      const exited = await Promise.race([proc.exited, Bun.sleep(10_000).then(() => null)]);
      if (exited === null) proc.kill();
    },
    kill: () => proc.kill(),
  };
}

async function prepareDatabase(dataDir: string, users: number): Promise<{ ids: string[]; tokens: string[] }> {
  const ctx = await createContext({ source: { DATA_DIR: dataDir, WEBUI_SECRET_KEY: SECRET }, log: createLogger("ERROR") });
  const now = Math.floor(Date.now() / 1000);
  const ids = Array.from({ length: users }, () => crypto.randomUUID());
  const { user } = ctx.db.t;
  await ctx.db.write(async (tx) => {
    for (let i = 0; i < ids.length; i += 500) {
      await tx.insert(user).values(
        ids.slice(i, i + 500).map((id, n) => ({
          id,
          name: `Bench ${i + n}`,
          email: `${id}@bench.local`,
          role: "user",
          profile_image_url: "/user.png",
          created_at: now,
          updated_at: now,
          last_active_at: now,
        })),
      );
    }
  });
  await ctx.close();
  return { ids, tokens: ids.map((id) => signToken({ id }, SECRET)) };
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const rate = (n: number) => `${Math.round(n).toLocaleString("en-US")}`;

const trace = (...args: unknown[]) => process.env.TRACE && console.error(new Date().toISOString(), ...args);

async function idle(label: string, serverEnv: Record<string, string>, clientEnv: Record<string, string>, tokens: string[]) {
  trace("idle", label);
  const server = spawnChild("server.ts", serverEnv);
  const { url } = await server.ready;
  const before = await server.request({ cmd: "memory" });
  trace("server ready", url);
  const clients = spawnChild("clients.ts", clientEnv);
  await clients.ready;
  trace("clients ready");
  const connect = await clients.request({ cmd: "connect", url, tokens });
  trace("connected", connect);
  await Bun.sleep(3000);
  const after = await server.request({ cmd: "memory" });
  trace("memory after", after);
  await Bun.sleep(HOLD_S * 1000);
  const status = await clients.request({ cmd: "status" });
  trace("status", status);
  const held = await server.request({ cmd: "memory" });
  trace("held", held);
  await clients.stop();
  await server.stop();
  return {
    label,
    connected: connect.connected,
    failed: connect.failed,
    connectS: connect.ms / 1000,
    stillConnected: status.connected,
    disconnects: status.disconnects,
    before,
    after,
    held,
    perConnRss: (after.rss - before.rss) / Math.max(1, connect.connected),
    perConnHeap: (after.heapUsed - before.heapUsed) / Math.max(1, connect.connected),
  };
}

/** Resident memory of a whole process group (the Python reference runs as one). */
async function groupRss(pgid: string): Promise<number> {
  const ps = Bun.spawnSync(["ps", "-o", "rss=", "-g", pgid]);
  const kbs = new TextDecoder().decode(ps.stdout).split("\n").map((l) => Number(l.trim()) || 0);
  return kbs.reduce((sum, n) => sum + n, 0) * 1024;
}

async function idlePython(url: string, pgid: string, token: string) {
  const before = await groupRss(pgid);
  const clients = spawnChild("clients.ts", {});
  await clients.ready;
  const connect = await clients.request({ cmd: "connect", url, tokens: Array.from({ length: CLIENTS }, () => token) });
  await Bun.sleep(3000);
  const after = await groupRss(pgid);
  await Bun.sleep(HOLD_S * 1000);
  const status = await clients.request({ cmd: "status" });
  const held = await groupRss(pgid);
  await clients.stop();
  return {
    label: "Python 0.6.32 reference (one user's token)",
    connected: connect.connected,
    failed: connect.failed,
    connectS: connect.ms / 1000,
    stillConnected: status.connected,
    disconnects: status.disconnects,
    before: { rss: before, heapUsed: 0 },
    after: { rss: after, heapUsed: 0 },
    held: { rss: held, heapUsed: 0 },
    perConnRss: (after - before) / Math.max(1, connect.connected),
    perConnHeap: Number.NaN,
  };
}

async function fanout(
  label: string,
  emitterEnv: Record<string, string> | null,
  holderEnv: Record<string, string>,
  clientEnv: Record<string, string>,
  ids: string[],
  tokens: string[],
) {
  const holder = spawnChild("server.ts", holderEnv);
  const { url } = await holder.ready;
  const emitter = emitterEnv ? spawnChild("server.ts", emitterEnv) : holder;
  if (emitterEnv) await emitter.ready;
  const clients = spawnChild("clients.ts", clientEnv);
  await clients.ready;
  const connect = await clients.request({ cmd: "connect", url, tokens });
  await Bun.sleep(1000);
  const total = connect.connected * PER_USER;
  const arrived = clients.request({ cmd: "expect", total });
  const startedAt = performance.timeOrigin + performance.now();
  const emitted = await emitter.request({ cmd: "fanout", userIds: ids, perUser: PER_USER, payload });
  const result = await arrived;
  await clients.stop();
  for (const child of new Set([holder, emitter])) await child.stop();
  const seconds = (result.lastAt - startedAt) / 1000;
  return { label, clients: connect.connected, expected: total, received: result.received, seconds, perSecond: result.received / seconds, emitMs: emitted.ms };
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), "owb-bench-rt-"));
  const started = new Date();
  try {
    const users = Math.max(CLIENTS, FANOUT_CLIENTS);
    const { ids, tokens } = await prepareDatabase(dataDir, users);
    trace("database ready");
    const base = { DATA_DIR: dataDir, WEBUI_SECRET_KEY: SECRET };
    const prefix = `owb-bench-${Date.now()}`;
    const redisEnv = { ...base, WEBSOCKET_MANAGER: "redis", REDIS_URL, REDIS_KEY_PREFIX: prefix };

    const idleRows = CLIENTS > 0
      ? [
          await idle("raw Bun WebSocket (limit)", { ...base, RAW: "1" }, { MODE: "raw" }, tokens.slice(0, CLIENTS)),
          await idle("Socket.IO, one instance", base, {}, tokens.slice(0, CLIENTS)),
        ]
      : [];
    const { PYTHON_REF_URL, PYTHON_REF_PID, PYTHON_REF_TOKEN } = process.env;
    if (CLIENTS > 0 && PYTHON_REF_URL && PYTHON_REF_PID && PYTHON_REF_TOKEN) {
      idleRows.push(await idlePython(PYTHON_REF_URL, PYTHON_REF_PID, PYTHON_REF_TOKEN));
    }
    const fanIds = ids.slice(0, FANOUT_CLIENTS);
    const fanTokens = tokens.slice(0, FANOUT_CLIENTS);
    const fanRows = [
      await fanout("raw Bun WebSocket, same bytes (limit)", null, { ...base, RAW: "1" }, { MODE: "raw" }, fanIds, fanTokens),
      await fanout("Socket.IO, one instance (in memory)", null, base, {}, fanIds, fanTokens),
    ];
    if (REDIS_URL) {
      fanRows.push(await fanout("Socket.IO + Redis adapter, emit where the sockets are", null, redisEnv, {}, fanIds, fanTokens));
      fanRows.push(await fanout("Socket.IO, two instances through Redis (emit on A, sockets on B)", redisEnv, redisEnv, {}, fanIds, fanTokens));
    }

    const cpu = (await Bun.file("/proc/cpuinfo").text()).match(/model name\s*:\s*(.*)/)?.[1] ?? "unknown CPU";
    const cores = navigator.hardwareConcurrency;
    console.log(`\n## Run of ${started.toISOString().slice(0, 10)}\n`);
    console.log(`* Machine: ${cpu}, ${cores} cores, Bun ${Bun.version}, ${process.platform}`);
    console.log(`* Command: \`ulimit -n 20000; ${REDIS_URL ? "REDIS_URL=… " : ""}CLIENTS=${CLIENTS} HOLD_S=${HOLD_S} FANOUT_CLIENTS=${FANOUT_CLIENTS} PER_USER=${PER_USER} bun bench/realtime/run.ts\``);
    console.log(`\n### ${CLIENTS.toLocaleString("en-US")} idle clients on one instance (clients in another process)\n`);
    console.log("| server | connected | failed | connect time | still connected after " + HOLD_S + " s | RSS before → after | RSS per connection | JS heap per connection |");
    console.log("|---|---|---|---|---|---|---|---|");
    for (const r of idleRows) {
      console.log(
        `| ${r.label} | ${r.connected} | ${r.failed} | ${r.connectS.toFixed(1)} s | ${r.stillConnected} (${r.disconnects} disconnects) | ${mb(r.before.rss)} → ${mb(r.after.rss)} (${mb(r.held.rss)} after the hold) | ${kb(r.perConnRss)} | ${Number.isNaN(r.perConnHeap) ? "n/a" : kb(r.perConnHeap)} |`,
      );
    }
    console.log(`\n### chat-events fan-out (${FANOUT_CLIENTS} users, one socket each, ${PER_USER} events per user)\n`);
    console.log("| path | delivered / expected | seconds | messages per second | share of raw | time the server spent emitting |");
    console.log("|---|---|---|---|---|---|");
    const limit = fanRows[0]?.perSecond ?? 1;
    for (const r of fanRows) {
      console.log(`| ${r.label} | ${r.received} / ${r.expected} | ${r.seconds.toFixed(2)} | ${rate(r.perSecond)} | ${((100 * r.perSecond) / limit).toFixed(0)}% | ${(r.emitMs / 1000).toFixed(2)} s |`);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
