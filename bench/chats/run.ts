// Chat history at size, this backend against the Python reference, on the same data in one run.
//
//   REF_START=<command that starts the reference detached and waits for /health>
//   REF_STOP=<command that stops it>          (both get PORT, DATA_DIR, DATABASE_URL, LOG_NAME)
//   REF_SECRET=<the WEBUI_SECRET_KEY the reference runs with>
//   BENCH_DIALECT=sqlite|postgres  BENCH_PG_URL=postgresql://user@host:5432/postgres (for postgres)
//   BENCH_CHATS=10000  BENCH_CHAT_KB=100  BENCH_HUGE_MB=36  BENCH_DIR=<scratch dir>
//   bun bench/chats/run.ts
//
// The reference creates a fresh database (its own migrations), one account signs up through its
// API, then the history is written straight into that database and this backend is started on the
// very same database. Both are measured with the same client: sequential requests for latency,
// wrk for throughput, and a prober that times a small request every 20 ms while a huge chat is
// opened and saved (does one user's big chat hold up everyone else?).
import { Database } from "bun:sqlite";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { chatRows, COMMON_WORD, hugeRow, RARE_WORD, type Row } from "./dataset";

const env = process.env;
const dialect = (env.BENCH_DIALECT ?? "sqlite") as "sqlite" | "postgres";
const chats = Number(env.BENCH_CHATS ?? 10_000);
const kilobytes = Number(env.BENCH_CHAT_KB ?? 100);
const hugeMb = Number(env.BENCH_HUGE_MB ?? 36);
const dir = join(env.BENCH_DIR ?? join(tmpdir(), "owb-bench-chats"), dialect);
const refPort = Number(env.REF_PORT ?? 8095);
const ourPort = Number(env.OUR_PORT ?? 8096);
const secret = required("REF_SECRET");
const pgDatabase = "owb_bench_chats";

function required(name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} must be set (see the header of bench/chats/run.ts)`);
  return value;
}

function databaseUrl(): string | undefined {
  if (dialect !== "postgres") return undefined;
  const url = new URL(required("BENCH_PG_URL"));
  url.pathname = `/${pgDatabase}`;
  return url.toString();
}

function refEnv() {
  return { ...env, PORT: String(refPort), DATA_DIR: join(dir, "data"), LOG_NAME: `bench-chats-${refPort}`, ...(databaseUrl() ? { DATABASE_URL: databaseUrl() } : { DATABASE_URL: "" }) };
}

async function sh(command: string, extraEnv: Record<string, string | undefined>) {
  const proc = Bun.spawn(["sh", "-c", command], { env: extraEnv as Record<string, string>, stdout: "inherit", stderr: "inherit" });
  if ((await proc.exited) !== 0) throw new Error(`${command} failed`);
}

async function waitHealthy(base: string, seconds = 120) {
  for (let i = 0; i < seconds * 4; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {}
    await Bun.sleep(250);
  }
  throw new Error(`${base} did not become healthy`);
}

// ---------------------------------------------------------------------------------------------
// Data

async function freshStorage() {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "data"), { recursive: true });
  if (dialect === "postgres") {
    const admin = postgres(required("BENCH_PG_URL"), { max: 1, onnotice: () => {} });
    await admin.unsafe(`DROP DATABASE IF EXISTS ${pgDatabase} WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE ${pgDatabase}`);
    await admin.end();
  }
}

async function api(base: string, token: string | null, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
}

async function load(userId: string, folderId: string): Promise<{ ids: string[]; hugeId: string }> {
  const rows = chatRows({ userId, count: chats, kilobytes, folderId });
  const huge = hugeRow(userId, hugeMb);
  const ids: string[] = [];
  const started = performance.now();
  const batch: Row[] = [];
  const write = dialect === "sqlite" ? sqliteWriter() : postgresWriter();
  for (const row of rows) {
    batch.push(row);
    if (!row.archived && ids.length < 200) ids.push(row.id);
    if (batch.length === 100) await write.rows(batch.splice(0));
  }
  await write.rows([...batch, huge]);
  await write.tag(userId);
  await write.close();
  console.error(`loaded ${chats} chats + 1 huge chat in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { ids, hugeId: huge.id };
}

function sqliteWriter() {
  const db = new Database(join(dir, "data", "webui.db"));
  db.exec("PRAGMA busy_timeout = 10000");
  const insert = db.query(
    "INSERT INTO chat (id, user_id, title, share_id, archived, created_at, updated_at, chat, pinned, meta, folder_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
  );
  return {
    rows: async (rows: Row[]) => {
      db.transaction(() => {
        for (const r of rows) insert.run(r.id, r.user_id, r.title, null, r.archived ? 1 : 0, r.created_at, r.updated_at, r.chat, r.pinned ? 1 : 0, r.meta, r.folder_id);
      })();
    },
    tag: async (userId: string) => {
      db.query("INSERT INTO tag (id, name, user_id, meta) VALUES ('project_alpha', 'Project Alpha', ?, 'null')").run(userId);
    },
    close: async () => db.close(),
  };
}

function postgresWriter() {
  const sql = postgres(databaseUrl()!, { max: 4, onnotice: () => {} });
  return {
    rows: async (rows: Row[]) => {
      await sql`INSERT INTO chat ${sql(rows.map((r) => ({ ...r, chat: sql.json(JSON.parse(r.chat)), meta: sql.json(JSON.parse(r.meta)) })) as never)}`;
    },
    tag: async (userId: string) => {
      await sql`INSERT INTO tag (id, name, user_id, meta) VALUES ('project_alpha', 'Project Alpha', ${userId}, 'null'::json)`;
    },
    close: async () => {
      await sql`ANALYZE chat`;
      await sql.end();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Measuring

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

async function timed(base: string, token: string, method: string, path: string, body?: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body,
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status}`);
  return performance.now() - started;
}

async function latencies(base: string, token: string, path: string, n: number, warmup = 5) {
  for (let i = 0; i < warmup; i++) await timed(base, token, "GET", path);
  const values: number[] = [];
  for (let i = 0; i < n; i++) values.push(await timed(base, token, "GET", path));
  return { p50: percentile(values, 50), p90: percentile(values, 90), p99: percentile(values, 99) };
}

interface WrkResult {
  rps: number;
  p50: string;
  errors: number;
}

async function wrk(base: string, token: string, paths: string[], options: { body?: string; seconds?: number; connections?: number } = {}): Promise<WrkResult> {
  const script = join(dir, `wrk-${Math.random().toString(36).slice(2)}.lua`);
  const bodyFile = options.body ? `${script}.body` : null;
  if (bodyFile) writeFileSync(bodyFile, options.body!);
  writeFileSync(
    script,
    [
      `local paths = {${paths.map((p) => JSON.stringify(p)).join(",")}}`,
      "local i = 0",
      `wrk.headers["Authorization"] = "Bearer ${token}"`,
      `wrk.headers["Content-Type"] = "application/json"`,
      bodyFile ? `wrk.method = "POST"\nlocal f = io.open(${JSON.stringify(bodyFile)}, "rb")\nwrk.body = f:read("*a")\nf:close()` : "",
      "request = function() i = i + 1; return wrk.format(nil, paths[(i % #paths) + 1]) end",
    ].join("\n"),
  );
  const proc = Bun.spawn(
    ["wrk", "-t1", `-c${options.connections ?? 10}`, `-d${options.seconds ?? 10}s`, "--timeout", "60s", "--latency", "-s", script, base],
    { stdout: "pipe", stderr: "pipe" },
  );
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const p50 = /\s50%\s+(\S+)/.exec(out)?.[1] ?? "?";
  const errors = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) + Number(/Socket errors:.*timeout (\d+)/.exec(out)?.[1] ?? 0);
  return { rps, p50, errors };
}

/** Times a small request every 20 ms while `work` runs. */
async function probeDuring(base: string, token: string, work: () => Promise<void>) {
  const samples: number[] = [];
  let running = true;
  const prober = (async () => {
    while (running) {
      const started = performance.now();
      samples.push(await timed(base, token, "GET", "/api/v1/chats/all/tags"));
      const wait = 20 - (performance.now() - started);
      if (wait > 0) await Bun.sleep(wait);
    }
  })();
  await work();
  running = false;
  await prober;
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), max: Math.max(...samples), n: samples.length };
}

async function measure(name: string, base: string, token: string, ids: string[], hugeId: string) {
  console.error(`measuring ${name}`);
  const result: Record<string, string> = {};
  const ms = (v: number) => `${v.toFixed(1)} ms`;

  const list = await latencies(base, token, "/api/v1/chats/?page=1", 200);
  result["sidebar page 1, latency p50 / p99"] = `${ms(list.p50)} / ${ms(list.p99)}`;
  const deep = await latencies(base, token, "/api/v1/chats/?page=100", 50);
  result["sidebar page 100, latency p50"] = ms(deep.p50);
  const pinned = await latencies(base, token, "/api/v1/chats/pinned", 50);
  result["pinned list, latency p50"] = ms(pinned.p50);

  const listRate = await wrk(base, token, ["/api/v1/chats/?page=1"]);
  result["sidebar page 1, throughput (10 connections)"] = `${listRate.rps.toFixed(0)} req/s${listRate.errors ? ` (${listRate.errors} errors)` : ""}`;
  const open = await wrk(base, token, ids.slice(0, 100).map((id) => `/api/v1/chats/${id}`));
  result[`open a ${kilobytes} KB chat, throughput`] = `${open.rps.toFixed(0)} req/s${open.errors ? ` (${open.errors} errors)` : ""}`;

  const sample = (await api(base, token, "GET", `/api/v1/chats/${ids[150]}`)).chat;
  const saveBody = JSON.stringify({ chat: { models: sample.models, history: sample.history, messages: sample.messages, params: sample.params, files: [] } });
  const save = await wrk(base, token, ids.slice(100, 200).map((id) => `/api/v1/chats/${id}`), { body: saveBody });
  result[`save a ${kilobytes} KB chat, throughput`] = `${save.rps.toFixed(0)} req/s${save.errors ? ` (${save.errors} errors)` : ""}`;

  const common = await latencies(base, token, `/api/v1/chats/search?text=${COMMON_WORD}`, 20, 2);
  result[`search, common word, p50`] = ms(common.p50);
  const rare = await latencies(base, token, `/api/v1/chats/search?text=${RARE_WORD}`, 3, 1);
  result[`search, word only in the oldest chat, p50`] = ms(rare.p50);
  const tagged = await latencies(base, token, "/api/v1/chats/search?text=tag:project_alpha", 10, 1);
  result["search, tag filter, p50"] = ms(tagged.p50);

  const baseline = await probeDuring(base, token, () => Bun.sleep(2000));
  result["small request alone, p50 / p99"] = `${ms(baseline.p50)} / ${ms(baseline.p99)}`;
  const hugeDoc = (await api(base, token, "GET", `/api/v1/chats/${hugeId}`)).chat;
  const hugeBody = JSON.stringify({ chat: { models: hugeDoc.models, history: hugeDoc.history, messages: hugeDoc.messages, params: hugeDoc.params, files: [] } });
  const opens: number[] = [];
  const saves: number[] = [];
  const during = await probeDuring(base, token, async () => {
    for (let i = 0; i < 3; i++) opens.push(await timed(base, token, "GET", `/api/v1/chats/${hugeId}`));
    for (let i = 0; i < 3; i++) saves.push(await timed(base, token, "POST", `/api/v1/chats/${hugeId}`, hugeBody));
  });
  result[`${(hugeBody.length / 1e6).toFixed(0)} MB chat: open, p50`] = ms(percentile(opens, 50));
  result[`${(hugeBody.length / 1e6).toFixed(0)} MB chat: save, p50`] = ms(percentile(saves, 50));
  result["small request meanwhile, p50 / p99 / max"] = `${ms(during.p50)} / ${ms(during.p99)} / ${ms(during.max)}`;
  return result;
}

// ---------------------------------------------------------------------------------------------

await freshStorage();
const refBase = `http://127.0.0.1:${refPort}`;
const ourBase = `http://127.0.0.1:${ourPort}`;
await sh(required("REF_START"), refEnv());
let ours: ReturnType<typeof Bun.spawn> | undefined;
try {
  const admin = await api(refBase, null, "POST", "/api/v1/auths/signup", { name: "Bench", email: "bench@example.com", password: "bench-password" });
  const folder = await api(refBase, admin.token, "POST", "/api/v1/folders/", { name: "Filed" });
  const { ids, hugeId } = await load(admin.id, folder.id);

  ours = Bun.spawn(["bun", join(import.meta.dir, "../../src/main.ts")], {
    env: { ...env, PORT: String(ourPort), HOST: "127.0.0.1", DATA_DIR: join(dir, "data"), WEBUI_SECRET_KEY: secret, GLOBAL_LOG_LEVEL: "WARNING", ...(databaseUrl() ? { DATABASE_URL: databaseUrl() } : { DATABASE_URL: "" }) },
    stdout: "inherit",
    stderr: "inherit",
  });
  await waitHealthy(ourBase);

  const reference = await measure("reference", refBase, admin.token, ids, hugeId);
  const bun = await measure("this backend", ourBase, admin.token, ids, hugeId);
  const rows = Object.keys(bun).map((key) => `| ${key} | ${reference[key] ?? "?"} | ${bun[key]} |`);
  console.log(`\n### ${dialect}: ${chats} chats of ~${kilobytes} KB + one ${hugeMb} MB chat, one user\n`);
  console.log("| measure | Python 0.6.32 | this backend |\n|---|---|---|");
  console.log(rows.join("\n"));
} finally {
  ours?.kill();
  await sh(required("REF_STOP"), refEnv()).catch(() => {});
}
