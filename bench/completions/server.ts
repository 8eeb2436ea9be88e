// This server for the benchmarks, in its own process, with one admin account:
//   bun bench/completions/server.ts <port> <openai urls ;-separated> [ollama url]
// Prints "ready <port> <admin token>".
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signToken } from "../../src/core/jwt";
import { startServer } from "../../src/server";

const [portArg, openaiUrls = "", ollamaUrl] = process.argv.slice(2);
const dataDir = mkdtempSync(join(tmpdir(), "owb-bench-"));
const running = await startServer({
  port: Number(portArg ?? 0),
  hostname: "127.0.0.1",
  source: {
    DATA_DIR: dataDir,
    WEBUI_SECRET_KEY: "bench-secret",
    GLOBAL_LOG_LEVEL: "ERROR",
    OPENAI_API_BASE_URLS: openaiUrls,
    OPENAI_API_KEYS: openaiUrls.split(";").map(() => "sk-bench").join(";"),
    ENABLE_OLLAMA_API: ollamaUrl ? "true" : "false",
    OLLAMA_BASE_URLS: ollamaUrl ?? "",
  },
});
const now = Math.floor(Date.now() / 1000);
const id = crypto.randomUUID();
const { user, auth } = running.ctx.db.t;
await running.ctx.db.write(async (tx) => {
  await tx.insert(user).values({ id, name: "Bench", email: "bench@example.com", role: "admin", profile_image_url: "/user.png", created_at: now, updated_at: now, last_active_at: now });
  await tx.insert(auth).values({ id, email: "bench@example.com", password: "x", active: true });
});
console.log(`ready ${running.server.port} ${signToken({ id }, "bench-secret")}`);
