// The browser's path: POST /api/chat/completions with session, chat and message ids answers
// {status, task_id} at once; the reply reaches the user's sockets as chat-events, is saved into
// the chat, then title, tags and follow-ups run. Stops, errors and other users' chats.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
import { provideChatRuntime } from "../../src/chat/ports";
import { insertUser } from "../support/users";
import { dialects } from "../support/databases";
import { publishModel, startWorld, type World } from "../fakes/world";
import { memoryRuntime, renderedContent } from "./memory-runtime";

const TASK_JSON = '{"title": "Plant growth", "tags": ["Biology", "Plants"], "follow_ups": ["Why light?"]}';
const think = (body: string) =>
  `<details type="reasoning" done="true" duration="0">\n<summary>Thought for 0 seconds</summary>\n${body}\n</details>`;

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: World;
    let rt: ReturnType<typeof memoryRuntime>;
    let turn = 0;
    beforeAll(async () => {
      w = await startWorld(dialect, { openai: { models: [{ id: "gpt-fake" }, { id: "secret" }] }, ollama: { thinking: ["mull"], tokens: ["Hi", " there"] } });
      rt = memoryRuntime();
      provideChatRuntime(w.t.ctx, rt);
      await publishModel(w, "gpt-fake");
      await publishModel(w, "llama3:latest");
    }, 30_000);
    afterAll(async () => w.close(), 30_000);

    /** A chat of `owner` with a user message and an empty assistant placeholder. */
    const newTurn = (owner = w.user.id) => {
      turn++;
      const chatId = `chat-${turn}`;
      rt.chats.add(chatId, owner, [
        { id: `u${turn}`, parentId: null, childrenIds: [`a${turn}`], role: "user", content: "How do plants grow?" },
        { id: `a${turn}`, parentId: `u${turn}`, childrenIds: [], role: "assistant", content: "", model: "gpt-fake" },
      ]);
      return { chatId, messageId: `a${turn}` };
    };
    const send = (chatId: string, messageId: string, extra: Record<string, unknown> = {}, token = w.user.token) =>
      w.t.request("POST", "/api/chat/completions", {
        token,
        body: { model: "gpt-fake", stream: true, messages: [{ role: "user", content: "How do plants grow?" }], session_id: "sid-1", chat_id: chatId, id: messageId, ...extra },
      });
    const doneOf = (messageId: string) =>
      rt.emit.waitFor((e) => e.payload.message_id === messageId && e.payload.data?.type === "chat:completion" && e.payload.data.data?.done === true);
    const eventOf = (messageId: string, type: string) => rt.emit.waitFor((e) => e.payload.message_id === messageId && e.payload.data?.type === type);
    const stored = (chatId: string, messageId: string) => rt.chats.chats.get(chatId)!.history.messages[messageId]!;

    test("the reply streams to the user's sockets and is saved", async () => {
      w.openai.options.reasoning = ["Light", " and water."];
      w.openai.options.tokens = ["Plants", " grow", " with", " light."];
      // Slower than the whole-text interval, so the text after the reasoning block goes as deltas.
      w.openai.options.chunkDelayMs = 110;
      try {
        const { chatId, messageId } = newTurn();
        const res = await send(chatId, messageId);
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ status: true, task_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
        const done = await doneOf(messageId);
        const expected = `${think("> Light and water.")}\nPlants grow with light.`;
        expect(done.payload).toEqual({ chat_id: chatId, message_id: messageId, data: { type: "chat:completion", data: { done: true, content: expected, title: "New Chat" } } });
        expect(done.userId).toBe(w.user.id);
        expect(rt.emit.sent.filter((e) => e.payload.message_id === messageId).every((e) => e.userId === w.user.id && e.event === "chat-events")).toBe(true);
        const events = rt.emit.of(messageId);
        expect(renderedContent(events.slice(0, -1))).toBe(expected);
        // Plain text travelled as deltas the frontend appends, not as the whole text each time.
        const appended = events.filter((e) => e.type === "chat:completion" && e.data.choices?.[0]?.delta?.content);
        expect(appended.map((e) => e.data.choices[0].delta.content).join("")).toBe(" grow with light.");
        expect(stored(chatId, messageId)).toMatchObject({ content: expected, model: "gpt-fake" });
      } finally {
        w.openai.options.reasoning = undefined;
        w.openai.options.tokens = ["Hello", " world", "!"];
        w.openai.options.chunkDelayMs = 0;
      }
    });

    test("title, tags and follow-ups run after the reply when asked", async () => {
      w.openai.options.tokens = [TASK_JSON];
      try {
        const { chatId, messageId } = newTurn();
        await send(chatId, messageId, { background_tasks: { title_generation: true, tags_generation: true, follow_up_generation: true } });
        expect((await eventOf(messageId, "chat:message:follow_ups")).payload.data.data).toEqual({ follow_ups: ["Why light?"] });
        expect((await eventOf(messageId, "chat:title")).payload.data.data).toBe("Plant growth");
        expect((await eventOf(messageId, "chat:tags")).payload.data.data).toEqual(["Biology", "Plants"]);
        const chat = rt.chats.chats.get(chatId)!;
        expect([chat.title, chat.tags]).toEqual(["Plant growth", ["Biology", "Plants"]]);
        expect(stored(chatId, messageId).followUps).toEqual(["Why light?"]);
        const titleCall = w.openai.requests.filter((r) => r.path === "/v1/chat/completions").find((r) => String(r.body.messages[0].content).includes("short title"));
        expect(titleCall?.body.messages[0].content).toContain(`USER: How do plants grow?\nASSISTANT: ${TASK_JSON}`);
      } finally {
        w.openai.options.tokens = ["Hello", " world", "!"];
      }
    });

    test("without title generation, the first message becomes the title", async () => {
      const { chatId, messageId } = newTurn();
      await send(chatId, messageId, { background_tasks: { title_generation: false } });
      await eventOf(messageId, "chat:title");
      expect(rt.chats.chats.get(chatId)!.title).toBe("How do plants grow?");
    });

    test("attached files: status events and sources reach the user and are kept on the message", async () => {
      const { chatId, messageId } = newTurn();
      const file = { type: "file", id: "f9", name: "facts.md", file: { data: { content: "Water boils at 100 C." } } };
      await send(chatId, messageId, { files: [{ ...file, context: "full" }] });
      await doneOf(messageId);
      const events = rt.emit.of(messageId);
      expect(events[0]).toEqual({ type: "status", data: { action: "sources_retrieved", count: 1, done: true } });
      expect(events[1]!.data.sources[0].document).toEqual(["Water boils at 100 C."]);
      const message = stored(chatId, messageId);
      expect(message.sources[0].source.id).toBe("f9");
      expect(message.statusHistory).toEqual([{ action: "sources_retrieved", count: 1, done: true }]);
    });

    test("a whole (non-streamed) answer", async () => {
      const { chatId, messageId } = newTurn();
      await send(chatId, messageId, { stream: false });
      const done = await doneOf(messageId);
      expect(done.payload.data.data.content).toBe("Hello world!");
      const events = rt.emit.of(messageId);
      expect(events[0]!.data.choices[0].message.content).toBe("Hello world!");
      expect(stored(chatId, messageId)).toMatchObject({ role: "assistant", content: "Hello world!" });
    });

    test("Ollama: thinking shown as a reasoning block", async () => {
      const { chatId, messageId } = newTurn();
      await send(chatId, messageId, { model: "llama3:latest" });
      const done = await doneOf(messageId);
      expect(done.payload.data.data.content).toBe(`${think("> mull")}\nHi there`);
      expect(renderedContent(rt.emit.of(messageId).slice(0, -1))).toBe(done.payload.data.data.content);
    });

    test("continuing a message appends to what was stored", async () => {
      const { chatId, messageId } = newTurn();
      await rt.chats.upsertMessage(w.user.id, chatId, messageId, { content: "Partial answer" });
      await send(chatId, messageId, { messages: [{ role: "user", content: "q" }, { role: "assistant", content: "Partial answer" }] });
      const done = await doneOf(messageId);
      expect(done.payload.data.data.content).toBe("Partial answerHello world!");
    });

    test("an upstream error before the stream reaches the user and is saved", async () => {
      w.openai.options.error = { status: 429, body: { error: { message: "Rate limit reached", type: "requests" } } };
      try {
        const { chatId, messageId } = newTurn();
        await send(chatId, messageId);
        const error = await eventOf(messageId, "chat:message:error");
        expect(error.payload.data.data).toEqual({ error: { content: { message: "Rate limit reached", type: "requests" } } });
        expect(stored(chatId, messageId).error).toEqual({ content: { message: "Rate limit reached", type: "requests" } });
      } finally {
        w.openai.options.error = undefined;
      }
    });

    test("an upstream that fails mid-stream: partial reply and error saved, task cancelled", async () => {
      w.openai.options.failAfter = 3;
      w.openai.options.chunkDelayMs = 20;
      try {
        const { chatId, messageId } = newTurn();
        await send(chatId, messageId);
        const error = await eventOf(messageId, "chat:message:error");
        expect(typeof error.payload.data.data.error.content).toBe("string");
        await eventOf(messageId, "chat:tasks:cancel");
        expect(stored(chatId, messageId).content).toBe("Hello world");
        expect(stored(chatId, messageId).error.content).toBe(error.payload.data.data.error.content);
      } finally {
        w.openai.options.failAfter = undefined;
        w.openai.options.chunkDelayMs = 0;
      }
    });

    test("an error sent inside the stream reaches the user and is kept on the message", async () => {
      w.openai.options.streamError = { message: "model overloaded", type: "server_error" };
      try {
        const { chatId, messageId } = newTurn();
        await send(chatId, messageId);
        const event = await rt.emit.waitFor((e) => e.payload.message_id === messageId && Boolean(e.payload.data?.data?.error));
        expect(event.payload.data).toEqual({ type: "chat:completion", data: { error: { message: "model overloaded", type: "server_error" } } });
        await doneOf(messageId);
        expect(stored(chatId, messageId).error).toEqual({ content: "model overloaded" });
        expect(stored(chatId, messageId).content).toBe("Hello world!");
      } finally {
        w.openai.options.streamError = undefined;
      }
    });

    test("an unreachable upstream is reported like the reference", async () => {
      const original = w.t.ctx.config.get("OPENAI_API_BASE_URLS");
      w.t.ctx.config.apply({ OPENAI_API_BASE_URLS: [...original, "http://127.0.0.1:9/v1"], OPENAI_API_KEYS: ["k", ""], OPENAI_API_CONFIGS: { "1": { model_ids: ["ghost"] } } });
      try {
        const { chatId, messageId } = newTurn();
        const res = await send(chatId, messageId, { model: "ghost" }, w.admin.token);
        expect(res.status).toBe(400);
        rt.chats.chats.get(chatId)!.userId = w.admin.id;
        await send(chatId, messageId, { model: "ghost" }, w.admin.token);
        const error = await eventOf(messageId, "chat:message:error");
        expect(error.payload.data.data.error.content).toBe("500: Open WebUI: Server Connection Error");
      } finally {
        w.t.ctx.config.apply({ OPENAI_API_BASE_URLS: original, OPENAI_API_KEYS: ["sk-upstream"], OPENAI_API_CONFIGS: {} });
      }
    });

    test("stop: only the owner; the partial reply is kept and the upstream call ends", async () => {
      w.openai.options.tokens = Array.from({ length: 200 }, (_, i) => `w${i} `);
      w.openai.options.chunkDelayMs = 10;
      try {
        const { chatId, messageId } = newTurn();
        const started = await send(chatId, messageId);
        const taskId = started.body.task_id;
        await rt.emit.waitFor((e) => e.payload.message_id === messageId && Boolean(e.payload.data?.data?.choices));
        expect((await w.t.request("GET", "/api/tasks", { token: w.user.token })).body.tasks).toEqual([taskId]);
        expect((await w.t.request("GET", "/api/tasks", { token: w.other.token })).body.tasks).toEqual([]);
        expect((await w.t.request("GET", `/api/tasks/chat/${chatId}`, { token: w.user.token })).body).toEqual({ task_ids: [taskId] });
        expect((await w.t.request("GET", `/api/tasks/chat/${chatId}`, { token: w.other.token })).body).toEqual({ task_ids: [] });
        const foreign = await w.t.request("POST", `/api/tasks/stop/${taskId}`, { token: w.other.token });
        expect(foreign.body).toEqual({ status: false, message: `Task with ID ${taskId} not found.` });
        expect(rt.tasks.running.has(taskId)).toBe(true);
        const cancelledBefore = w.openai.cancelled();
        const stop = await w.t.request("POST", `/api/tasks/stop/${taskId}`, { token: w.user.token });
        expect(stop.body).toEqual({ status: true, message: `Task ${taskId} successfully stopped.` });
        await eventOf(messageId, "chat:tasks:cancel");
        await Bun.sleep(50);
        const partial = stored(chatId, messageId).content;
        expect(partial).toStartWith("w0");
        expect(partial.length).toBeLessThan(200 * 4);
        expect(rt.emit.of(messageId).some((e) => e.data?.done)).toBe(false);
        expect(w.openai.cancelled()).toBeGreaterThan(cancelledBefore);
        expect((await w.t.request("POST", `/api/tasks/stop/${taskId}`, { token: w.user.token })).body.status).toBe(false);
        expect((await w.t.request("GET", "/api/tasks", { token: w.admin.token })).body.tasks).toEqual([]);
      } finally {
        w.openai.options.tokens = ["Hello", " world", "!"];
        w.openai.options.chunkDelayMs = 0;
      }
    });

    test("the reply in progress is saved every few seconds", async () => {
      w.openai.options.tokens = Array.from({ length: 30 }, (_, i) => `t${i} `);
      w.openai.options.chunkDelayMs = 90;
      try {
        const { chatId, messageId } = newTurn();
        await send(chatId, messageId);
        await Bun.sleep(2_400);
        const midway = stored(chatId, messageId).content;
        expect(midway.startsWith("t0 t1")).toBe(true);
        await doneOf(messageId);
        expect(stored(chatId, messageId).content.length).toBeGreaterThan(midway.length);
      } finally {
        w.openai.options.tokens = ["Hello", " world", "!"];
        w.openai.options.chunkDelayMs = 0;
      }
    });

    test("another user's chat can neither be continued nor written; nothing changes", async () => {
      const { chatId, messageId } = newTurn(w.user.id);
      const before = JSON.stringify(rt.chats.chats.get(chatId));
      for (const token of [w.other.token, w.admin.token]) {
        const res = await send(chatId, messageId, {}, token);
        expect([res.status, res.body.detail]).toEqual([400, "404: Something went wrong :/"]);
      }
      await Bun.sleep(30);
      expect(JSON.stringify(rt.chats.chats.get(chatId))).toBe(before);
      expect(rt.emit.of(messageId)).toEqual([]);
    });

    test("a model the user may not use is refused before anything runs", async () => {
      const { chatId, messageId } = newTurn();
      const res = await send(chatId, messageId, { model: "secret" });
      expect([res.status, res.body.detail]).toEqual([400, "Model not found"]);
      expect(rt.emit.of(messageId)).toEqual([]);
    });

    test("a user without an open socket gets the finished reply on their webhook", async () => {
      const received: any[] = [];
      const hook = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: async (r) => (received.push(await r.json()), new Response("ok")) });
      const row = await insertUser(w.t.ctx, { role: "user", name: "Away" });
      const { user } = w.t.ctx.db.t;
      await w.t.ctx.db.write((tx) =>
        tx.update(user).set({ settings: { ui: { notifications: { webhook_url: `http://127.0.0.1:${hook.port}/hook` } } } }).where(eq(user.id, row.id)),
      );
      const realIsActive = w.t.ctx.usage.isUserActive;
      w.t.ctx.usage.isUserActive = async (id: string) => id !== row.id;
      try {
        const { chatId, messageId } = newTurn(row.id);
        await send(chatId, messageId, {}, w.t.tokenFor(row.id));
        await doneOf(messageId);
        for (let i = 0; i < 50 && received.length === 0; i++) await Bun.sleep(20);
        expect(received).toEqual([{ action: "chat", message: "Hello world!", title: "New Chat", url: `/c/${chatId}` }]);
      } finally {
        w.t.ctx.usage.isUserActive = realIsActive;
        hook.stop(true);
      }
    });

    test("temporary chats (chat id 'local') stream but write nothing", async () => {
      const writes = rt.chats.writes;
      const res = await send("local", "tmp-1", { background_tasks: { title_generation: true } });
      expect(res.body.status).toBe(true);
      const done = await doneOf("tmp-1");
      expect(done.payload.data.data).toEqual({ done: true, content: "Hello world!", title: null });
      expect(rt.chats.writes).toBe(writes);
    });
  });
}
