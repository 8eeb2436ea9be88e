// Direct connections: the model is the user's own endpoint, reached by their browser. The server
// asks the session that sent the message (`request:chat:completion`), the browser — played here
// by a socket.io client doing what the frontend's root layout does — calls the endpoint and sends
// the SSE lines back on the channel, and the reply is streamed to the user and saved as usual.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Socket } from "socket.io-client";
import { provideChatRuntime } from "../../src/chat/ports";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { insertUser } from "../support/users";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai";
import { connect, join, next, startInstance, type Instance } from "../realtime/helpers";
import { MemoryChats } from "./memory-runtime";

const directModel = { id: "mine.tiny", name: "tiny", owned_by: "openai", direct: true, urlIdx: 0 };

/** What the frontend does on `request:chat:completion`: call the endpoint, relay the lines. */
function actAsBrowser(socket: Socket, endpoint: FakeOpenAI, requests: any[]) {
  socket.on("chat-events", async (event: any, ack?: (answer: unknown) => void) => {
    if (event.data?.type !== "request:chat:completion" || !ack) return;
    const { form_data, channel } = event.data.data;
    requests.push(event);
    const body = { ...form_data, model: String(form_data.model).replace("mine.", "") };
    const res = await fetch(`${endpoint.url}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    try {
      if (!res.ok) return ack(await res.json());
      if (!form_data.stream) return ack(await res.json());
      ack({ status: true });
      for (const line of (await res.text()).split("\n").filter((l) => l.trim())) socket.emit(channel, line);
    } finally {
      socket.emit(channel, { done: true });
    }
  });
}

describe("direct connections", () => {
  let database: TestDatabase;
  let endpoint: FakeOpenAI;
  let server: Instance;
  const chats = new MemoryChats();
  const sockets: Socket[] = [];
  let ann: { id: string; token: string };

  beforeAll(async () => {
    database = await createTestDatabase("sqlite");
    endpoint = startFakeOpenAI({ models: [{ id: "tiny" }], tokens: ["Straight", " from", " my", " endpoint"] });
    server = await startInstance(database, { ENABLE_OPENAI_API: "false", ENABLE_OLLAMA_API: "false", ENABLE_DIRECT_CONNECTIONS: "true" });
    provideChatRuntime(server.ctx, { chats });
    const a = await insertUser(server.ctx, { role: "user", name: "Ann" });
    ann = { id: a.id, token: server.tokenFor(a.id) };
  }, 30_000);
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await server.stop(100);
    await endpoint.stop();
    await database.drop();
  }, 30_000);

  const browser = async (requests: any[]) => {
    const socket = await connect(server.url, ann.token);
    await join(socket, ann.token);
    sockets.push(socket);
    actAsBrowser(socket, endpoint, requests);
    return socket;
  };
  const send = (body: Record<string, unknown>) =>
    fetch(`${server.url}/api/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${ann.token}`, "content-type": "application/json" },
      body: JSON.stringify({ model: directModel.id, model_item: directModel, messages: [{ role: "user", content: "hi" }], ...body }),
    });

  test("a streamed reply comes through the browser, reaches the user and is saved; the title task goes the same way", async () => {
    const requests: any[] = [];
    const tab = await browser(requests);
    chats.add("c1", ann.id, [{ id: "u1", role: "user", content: "hi" }, { id: "a1", parentId: "u1", role: "assistant", content: "" }]);
    const done = next(tab, "chat-events", (e: any) => e.data?.type === "chat:completion" && e.data.data?.done === true);
    const title = next(tab, "chat-events", (e: any) => e.data?.type === "chat:title");
    const res = await send({ stream: true, session_id: tab.id, chat_id: "c1", id: "a1", background_tasks: { title_generation: true } });
    expect(((await res.json()) as any).status).toBe(true);
    const final = await done;
    expect(final.data.data.content).toBe("Straight from my endpoint");
    expect(chats.chats.get("c1")!.history.messages.a1!.content).toBe("Straight from my endpoint");
    const asked = requests[0];
    expect(asked.chat_id).toBe("c1");
    expect(asked.data.data.model).toMatchObject({ id: "mine.tiny", direct: true });
    expect(asked.data.data.channel).toStartWith(`${ann.id}:${tab.id}:`);
    expect(asked.data.data.form_data).toMatchObject({ model: "mine.tiny", stream: true, messages: [{ role: "user", content: "hi" }] });
    expect(asked.data.data.form_data.metadata).toBeUndefined();
    // The title is asked of the same endpoint, through the same browser, without streaming.
    await title;
    expect(requests.length).toBe(2);
    expect(requests[1].data.data.form_data).toMatchObject({ model: "mine.tiny", stream: false });
  });

  test("an endpoint error reaches the user as the message's error", async () => {
    const tab = await browser([]);
    endpoint.options.error = { status: 401, body: { error: { message: "Bad key for my endpoint" } } };
    try {
      chats.add("c2", ann.id, [{ id: "u2", role: "user", content: "hi" }, { id: "a2", parentId: "u2", role: "assistant", content: "" }]);
      const failed = next(tab, "chat-events", (e: any) => e.data?.type === "chat:message:error");
      await send({ stream: true, session_id: tab.id, chat_id: "c2", id: "a2" });
      expect((await failed).data.data.error.content).toContain("Bad key for my endpoint");
    } finally {
      endpoint.options.error = undefined;
    }
  });

  test("another user's session is not asked", async () => {
    const bobRow = await insertUser(server.ctx, { role: "user", name: "Bob" });
    const bobToken = server.tokenFor(bobRow.id);
    const bobTab = await connect(server.url, bobToken);
    await join(bobTab, bobToken);
    sockets.push(bobTab);
    const asked: any[] = [];
    actAsBrowser(bobTab, endpoint, asked);
    const res = await send({ stream: false, session_id: bobTab.id });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).detail).toBe("Direct connections need the browser's socket session");
    expect(asked).toHaveLength(0);
  });

  test("without a socket session, or with direct connections switched off, it is refused", async () => {
    const noSession = await send({ stream: false });
    expect(noSession.status).toBe(400);
    expect(((await noSession.json()) as any).detail).toBe("Direct connections need the browser's socket session");
    await server.ctx.config.set({ ENABLE_DIRECT_CONNECTIONS: false });
    try {
      const off = await send({ stream: false });
      expect(off.status).toBe(400);
      expect(((await off.json()) as any).detail).toBe("Direct connections are disabled");
    } finally {
      await server.ctx.config.set({ ENABLE_DIRECT_CONNECTIONS: true });
    }
  });
});
