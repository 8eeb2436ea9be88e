// The socket path through the real Socket.IO layer: a chat turn reaches every socket of the
// user (and nobody else's), and with Redis a stop sent to another instance ends the reply.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Socket } from "socket.io-client";
import { provideChatRuntime } from "../../src/chat/ports";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { insertUser } from "../support/users";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai";
import { collect, connect, join, next, redisUrl, startInstance, uniquePrefix, type Instance } from "../realtime/helpers";
import { MemoryChats, renderedContent } from "./memory-runtime";

describe("chat events through Socket.IO", () => {
  let database: TestDatabase;
  let upstream: FakeOpenAI;
  let server: Instance;
  const chats = new MemoryChats();
  const sockets: Socket[] = [];
  let ann: { id: string; token: string };
  let bob: { id: string; token: string };

  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    upstream = startFakeOpenAI({ models: [{ id: "gpt-fake" }], reasoning: ["Hm."], tokens: ["Hello", " there"] });
    server = await startInstance(database, { OPENAI_API_BASE_URLS: upstream.url, OPENAI_API_KEYS: "k", ENABLE_OLLAMA_API: "false" });
    provideChatRuntime(server.ctx, { chats });
    const a = await insertUser(server.ctx, { role: "admin", name: "Ann" });
    const b = await insertUser(server.ctx, { role: "user", name: "Bob" });
    ann = { id: a.id, token: server.tokenFor(a.id) };
    bob = { id: b.id, token: server.tokenFor(b.id) };
  }, 30_000);
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await server.stop(100);
    await upstream.stop();
    await database.drop();
  }, 30_000);

  const socketFor = async (token: string) => {
    const socket = await connect(server.url, token);
    await join(socket, token);
    sockets.push(socket);
    return socket;
  };

  test("every socket of the user gets the reply; other users get nothing", async () => {
    const [tab1, tab2, other] = [await socketFor(ann.token), await socketFor(ann.token), await socketFor(bob.token)];
    chats.add("c1", ann.id, [{ id: "u1", role: "user", content: "hi" }, { id: "a1", parentId: "u1", role: "assistant", content: "" }]);
    const seen: any[] = [];
    tab2.on("chat-events", (e: any) => seen.push(e));
    const silence = collect(other, "chat-events", 800);
    const done = next(tab1, "chat-events", (e: any) => e.data?.type === "chat:completion" && e.data.data?.done === true);
    const res = await fetch(`${server.url}/api/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${ann.token}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-fake", stream: true, messages: [{ role: "user", content: "hi" }], session_id: tab1.id, chat_id: "c1", id: "a1" }),
    });
    expect(((await res.json()) as any).status).toBe(true);
    const final = await done;
    expect(final.chat_id).toBe("c1");
    expect(final.data.data.content).toContain("Hello there");
    await Bun.sleep(100);
    expect(renderedContent(seen.map((e) => e.data).filter((d) => !d.data?.done))).toBe(final.data.data.content);
    expect(await silence).toEqual([]);
  });
});

describe.skipIf(!redisUrl)("chat tasks across two instances", () => {
  test("a stop sent to the other instance ends the reply; a stranger cannot stop it", async () => {
    const database = await createTestDatabase("sqlite");
    const upstream = startFakeOpenAI({ models: [{ id: "gpt-fake" }], tokens: Array.from({ length: 300 }, (_, i) => `w${i} `), chunkDelayMs: 10 });
    const env = {
      OPENAI_API_BASE_URLS: upstream.url,
      OPENAI_API_KEYS: "k",
      ENABLE_OLLAMA_API: "false",
      REDIS_URL: redisUrl,
      WEBSOCKET_MANAGER: "redis",
      REDIS_KEY_PREFIX: uniquePrefix(),
    };
    const a = await startInstance(database, env);
    const b = await startInstance(database, env);
    const chats = new MemoryChats();
    provideChatRuntime(a.ctx, { chats });
    provideChatRuntime(b.ctx, { chats });
    const user = await insertUser(a.ctx, { role: "user", name: "Ann" });
    const stranger = await insertUser(a.ctx, { role: "user", name: "Eve" });
    await a.ctx.db.write((tx) =>
      tx.insert(a.ctx.db.t.model).values({ id: "gpt-fake", user_id: user.id, base_model_id: null, name: "gpt-fake", meta: {}, params: {}, access_control: null, is_active: true, created_at: 1, updated_at: 1 }),
    );
    const token = a.tokenFor(user.id);
    const socket = await connect(b.url, token);
    try {
      await join(socket, token);
      chats.add("c2", user.id, [{ id: "u", role: "user", content: "go" }, { id: "m", parentId: "u", role: "assistant", content: "" }]);
      const cancelled = next(socket, "chat-events", (e: any) => e.data?.type === "chat:tasks:cancel", 10_000);
      const started = await fetch(`${a.url}/api/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-fake", stream: true, messages: [{ role: "user", content: "go" }], session_id: socket.id, chat_id: "c2", id: "m" }),
      }).then((r) => r.json() as Promise<any>);
      await next(socket, "chat-events", (e: any) => Boolean(e.data?.data?.choices), 10_000);
      const post = (token: string) =>
        fetch(`${b.url}/api/tasks/stop/${started.task_id}`, { method: "POST", headers: { authorization: `Bearer ${token}` } }).then((r) => r.json() as Promise<any>);
      expect((await post(b.tokenFor(stranger.id))).status).toBe(false);
      expect((await post(token)).status).toBe(true);
      await cancelled;
      await Bun.sleep(100);
      const content = chats.chats.get("c2")!.history.messages.m!.content as string;
      expect(content.startsWith("w0")).toBe(true);
      expect(content).not.toContain("w299");
    } finally {
      socket.disconnect();
      await a.stop(100);
      await b.stop(100);
      await upstream.stop();
      await database.drop();
    }
  }, 30_000);
});
