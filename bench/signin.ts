// `bun bench/signin.ts [--runs 40]`: sign-in latency against the cost it cannot avoid.
// Starts the compiled executable on a fresh data folder, creates an account through sign-up,
// then measures in the same run: POST /api/v1/auths/signin (p50, p90) and a bare bcrypt
// cost-12 verify of the same password against the stored hash (p50, p90). Build first
// (`bun run build`). Prints a Markdown table.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Database } from "bun:sqlite";

const { values } = parseArgs({ args: Bun.argv.slice(2), options: { runs: { type: "string", default: "40" } } });
const runs = Number(values.runs);
const executable = join(import.meta.dir, "..", "dist", "open-webui-bun");
const dataDir = mkdtempSync(join(tmpdir(), "owb-signin-"));
const port = 20000 + Math.floor(Math.random() * 20000);
const url = `http://127.0.0.1:${port}`;
const server = Bun.spawn([executable], {
  cwd: dataDir,
  env: { PATH: process.env.PATH ?? "", DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1", WEBUI_SECRET_KEY: "bench", ENV: "prod" },
  stdout: "ignore",
  stderr: "ignore",
});

const percentile = (samples: number[], p: number) => [...samples].sort((a, b) => a - b)[Math.floor((samples.length - 1) * p)] as number;

try {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {}
    await Bun.sleep(25);
  }
  const secret = "a reasonably long pass phrase";
  const post = (path: string, body: unknown, token?: string) =>
    fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const admin = (await (await post("/api/v1/auths/signup", { name: "Bench", email: "bench0@example.com", password: secret })).json()) as { token: string };
  // Sign-in is limited to 15 attempts per account in 3 minutes: spread the runs over accounts.
  const emails = ["bench0@example.com"];
  for (let i = 1; i * 14 < runs; i++) {
    emails.push(`bench${i}@example.com`);
    await post("/api/v1/auths/add", { name: `Bench ${i}`, email: emails[i], password: secret, role: "user" }, admin.token);
  }
  const row0 = new Database(join(dataDir, "webui.db"), { readonly: true }).query("SELECT password FROM auth LIMIT 1").get() as { password: string };
  const hash = row0.password;
  const password = new TextEncoder().encode(secret);

  const signin: number[] = [];
  const verify: number[] = [];
  // Interleaved, so both see the same load on the machine.
  for (let i = 0; i < runs; i++) {
    let start = performance.now();
    const res = await post("/api/v1/auths/signin", { email: emails[i % emails.length], password: secret });
    if (res.status !== 200) throw new Error(`sign-in answered ${res.status}`);
    await res.arrayBuffer();
    signin.push(performance.now() - start);
    start = performance.now();
    if (!(await Bun.password.verify(password, hash, "bcrypt"))) throw new Error("verify failed");
    verify.push(performance.now() - start);
  }
  const row = (name: string, samples: number[]) =>
    `| ${name} | ${percentile(samples, 0.5).toFixed(1)} ms | ${percentile(samples, 0.9).toFixed(1)} ms |`;
  console.log(`Sign-in, ${runs} runs each, interleaved (${new Date().toISOString().slice(0, 10)})\n`);
  console.log("| what | p50 | p90 |\n|---|---|---|");
  console.log(row("POST /api/v1/auths/signin", signin));
  console.log(row("bcrypt cost-12 verify alone", verify));
  const ratio = percentile(signin, 0.5) / percentile(verify, 0.5);
  console.log(`\nsign-in p50 / verify p50 = ${ratio.toFixed(3)} (target ≤ 1.10)`);
} finally {
  server.kill("SIGTERM");
  await server.exited;
}
