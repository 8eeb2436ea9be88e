// The socket path's cost per token: CPU time of this server process for one chat turn whose
// reply has 1,000 or 10,000 tokens (plain text, and the same after as many reasoning tokens),
// from POST /api/chat/completions to the final `done` event. The upstream runs in its own
// process. Each event goes through the real Socket.IO layer to one connected client (another
// process); the reply is saved into a chat row created through /api/v1/chats/new (SQLite).
//   bun bench/completions/socket-cpu.ts [rounds=5]
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { provideChatRuntime } from "../../src/chat/ports";
import { ReplyBuilder } from "../../src/chat/reply-builder";
import { createLogger } from "../../src/core/logger";
import { signToken } from "../../src/core/jwt";
import { startServer } from "../../src/server";
import { percentile, spawnReady } from "./processes";

const rounds = Number(process.argv[2] ?? 5);
const upstream = await spawnReady(["bench/completions/upstream.ts", "0"]);
const running = await startServer({
  port: 0,
  hostname: "127.0.0.1",
  source: {
    DATA_DIR: mkdtempSync(join(tmpdir(), "owb-bench-")),
    WEBUI_SECRET_KEY: "bench",
    OPENAI_API_BASE_URLS: `http://127.0.0.1:${upstream.words[0]}/v1`,
    OPENAI_API_KEYS: "k",
    ENABLE_OLLAMA_API: "false",
  },
  log: createLogger("ERROR"),
});
const { ctx } = running;

let done: (() => void) | null = null;
const emit = ctx.emit;
provideChatRuntime(ctx, {
  emit: {
    toUser(user: string, event: string, payload: any) {
      emit.toUser(user, event, payload);
      if (payload?.data?.data?.done) done?.();
    },
  },
});

const now = Math.floor(Date.now() / 1000);
const id = crypto.randomUUID();
await ctx.db.write(async (tx) => {
  await tx.insert(ctx.db.t.user).values({ id, name: "B", email: "b@example.com", role: "admin", profile_image_url: "/user.png", created_at: now, updated_at: now, last_active_at: now });
});
const token = signToken({ id }, "bench");
const client = await spawnReady(["bench/completions/socket-client.ts", running.url, token]);

async function turn(tokens: number, reasoning: number, pace = 0): Promise<number> {
  const messages = {
    u: { id: "u", parentId: null, childrenIds: ["a"], role: "user", content: "go" },
    a: { id: "a", parentId: "u", childrenIds: [], role: "assistant", content: "" },
  };
  const created = await fetch(`${running.url}/api/v1/chats/new`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ chat: { title: "Bench", models: ["bench-model"], history: { messages, currentId: "a" }, messages: Object.values(messages) } }),
  }).then((r) => r.json() as Promise<{ id: string }>);
  const chatId = created.id;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const before = process.cpuUsage();
  const response = await fetch(`${running.url}/api/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "bench-model", stream: true, max_tokens: tokens, reasoning_tokens: reasoning, tokens_per_ms: pace, messages: [{ role: "user", content: "go" }], session_id: "s", chat_id: chatId, id: "a" }),
  });
  await response.text();
  await finished;
  const used = process.cpuUsage(before);
  return (used.user + used.system) / (tokens + reasoning);
}

await turn(500, 0);
await turn(500, 500);
for (const reasoning of [false, true]) {
  for (const tokens of [1_000, 10_000]) {
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) samples.push(await turn(tokens, reasoning ? tokens : 0));
    const label = reasoning ? `${tokens} reasoning + ${tokens} text tokens` : `${tokens} text tokens`;
    console.log(`${label}: ${percentile(samples, 50).toFixed(2)} µs CPU per token (median of ${rounds})`);
  }
}

// Paced like a (very fast) model, 10 tokens per millisecond: the reasoning block is rebuilt
// about ten times a second while it grows.
for (const tokens of [1_000, 10_000]) {
  const samples: number[] = [];
  for (let i = 0; i < Math.min(rounds, 3); i++) samples.push(await turn(tokens, tokens, 10));
  console.log(`paced, ${tokens} reasoning + ${tokens} text tokens: ${percentile(samples, 50).toFixed(2)} µs CPU per token`);
}

// For comparison: building and sending the whole text on every token through the same socket
// layer, as Open WebUI 0.6.32 does (without its upstream and HTTP work, so a lower bound).
for (const tokens of [1_000, 10_000]) {
  const builder = new ReplyBuilder();
  const before = process.cpuUsage();
  for (let i = 0; i < tokens; i++) {
    builder.addContent(`word${i % 10} `);
    emit.toUser(id, "chat-events", { chat_id: "x", message_id: "a", data: { type: "chat:completion", data: { content: builder.serialize() } } });
    if (i % 100 === 0) await Bun.sleep(0);
  }
  const used = process.cpuUsage(before);
  console.log(`whole text on every token, ${tokens} tokens: ${((used.user + used.system) / tokens).toFixed(2)} µs per token`);
}

client.proc.kill();
upstream.proc.kill();
await running.stop(100);
process.exit(0);
