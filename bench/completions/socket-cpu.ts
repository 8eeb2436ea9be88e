// The socket path's cost per token: CPU time of this server process for one chat turn whose
// reply has 1,000 or 10,000 tokens (plain text, and the same after as many reasoning tokens),
// from POST /api/chat/completions to the final `done` event. The upstream runs in its own
// process. Each event is serialized as Socket.IO would (JSON) and saved like a chat message.
//   bun bench/completions/socket-cpu.ts [rounds=5]
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { provideChatRuntime } from "../../src/chat/ports";
import { ReplyBuilder } from "../../src/chat/reply-builder";
import { createApp } from "../../src/app";
import { createContext } from "../../src/context";
import { createLogger } from "../../src/core/logger";
import { signToken } from "../../src/core/jwt";
import { MemoryChats, MemoryTasks } from "../../test/chat/memory-runtime";
import { percentile, spawnReady } from "./processes";

const rounds = Number(process.argv[2] ?? 5);
const upstream = await spawnReady(["bench/completions/upstream.ts", "0"]);
const ctx = await createContext({
  source: {
    DATA_DIR: mkdtempSync(join(tmpdir(), "owb-bench-")),
    WEBUI_SECRET_KEY: "bench",
    OPENAI_API_BASE_URLS: `http://127.0.0.1:${upstream.words[0]}/v1`,
    OPENAI_API_KEYS: "k",
    ENABLE_OLLAMA_API: "false",
  },
  log: createLogger("ERROR"),
});
const app = createApp(ctx);

let bytes = 0;
let done: (() => void) | null = null;
const chats = new MemoryChats();
provideChatRuntime(ctx, {
  emit: {
    toUser(_user: string, _event: string, payload: any) {
      bytes += JSON.stringify(payload).length;
      if (payload?.data?.data?.done) done?.();
    },
  },
  tasks: new MemoryTasks(),
  chats,
});

const now = Math.floor(Date.now() / 1000);
const id = crypto.randomUUID();
await ctx.db.write(async (tx) => {
  await tx.insert(ctx.db.t.user).values({ id, name: "B", email: "b@example.com", role: "admin", profile_image_url: "/user.png", created_at: now, updated_at: now, last_active_at: now });
});
const token = signToken({ id }, "bench");

async function turn(tokens: number, reasoning: number, pace = 0): Promise<number> {
  const chatId = crypto.randomUUID();
  chats.add(chatId, id, [{ id: "u", role: "user", content: "go" }, { id: "a", parentId: "u", role: "assistant", content: "" }]);
  const finished = new Promise<void>((resolve) => (done = resolve));
  const before = process.cpuUsage();
  const response = await app.handle(
    new Request("http://localhost/api/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "bench-model", stream: true, max_tokens: tokens, reasoning_tokens: reasoning, tokens_per_ms: pace, messages: [{ role: "user", content: "go" }], session_id: "s", chat_id: chatId, id: "a" }),
    }),
  );
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

// For comparison: sending the whole text on every token, as Open WebUI 0.6.32 does.
for (const tokens of [1_000, 10_000]) {
  const builder = new ReplyBuilder();
  const before = process.cpuUsage();
  for (let i = 0; i < tokens; i++) {
    builder.addContent(`word${i % 10} `);
    JSON.stringify({ content: builder.serialize() });
  }
  const used = process.cpuUsage(before);
  console.log(`whole text per token (serialization only), ${tokens} tokens: ${((used.user + used.system) / tokens).toFixed(2)} µs per token`);
}

upstream.proc.kill();
await ctx.close();
process.exit(0);
