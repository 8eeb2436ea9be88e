// The socket path with stored chats, on both databases: a chat made through /api/v1/chats the
// way the frontend makes it gets its reply, title, tags and follow-ups written into its row.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { provideChatRuntime } from "../../src/chat/ports";
import { dialects } from "../support/databases";
import { publishModel, startWorld, type World } from "../fakes/world";
import { MemoryEmitter } from "./memory-runtime";

const TASK_JSON = '{"title": "Growing plants", "tags": ["Botany"], "follow_ups": ["What about soil?"]}';

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: World;
    const emit = new MemoryEmitter();
    beforeAll(async () => {
      w = await startWorld(dialect, { openai: { models: [{ id: "gpt-fake" }], reasoning: ["Light."], tokens: [TASK_JSON] } });
      provideChatRuntime(w.t.ctx, { emit });
      await publishModel(w, "gpt-fake");
    }, 30_000);
    afterAll(async () => w.close(), 30_000);

    /** POST /api/v1/chats/new with a user message and an assistant placeholder, as Chat.svelte does. */
    const newChat = async (token: string, folderId: string | null = null) => {
      const messages = {
        u1: { id: "u1", parentId: null, childrenIds: ["a1"], role: "user", content: "How do plants grow?", timestamp: 1 },
        a1: { id: "a1", parentId: "u1", childrenIds: [], role: "assistant", content: "", model: "gpt-fake", timestamp: 1 },
      };
      const res = await w.t.request("POST", "/api/v1/chats/new", {
        token,
        body: {
          chat: { id: "", title: "New Chat", models: ["gpt-fake"], params: {}, history: { messages, currentId: "a1" }, messages: Object.values(messages), tags: [], timestamp: Date.now() },
          folder_id: folderId,
        },
      });
      expect(res.status).toBe(200);
      return res.body.id as string;
    };

    test("the reply, title, tags and follow-ups are written into the chat", async () => {
      const chatId = await newChat(w.user.token);
      const res = await w.t.request("POST", "/api/chat/completions", {
        token: w.user.token,
        body: {
          model: "gpt-fake",
          stream: true,
          messages: [{ role: "user", content: "How do plants grow?" }],
          session_id: "sid",
          chat_id: chatId,
          id: "a1",
          background_tasks: { title_generation: true, tags_generation: true, follow_up_generation: true },
        },
      });
      expect(res.body.status).toBe(true);
      await emit.waitFor((e) => e.payload.chat_id === chatId && e.payload.data?.type === "chat:tags", 10_000);
      const chat = await w.t.request("GET", `/api/v1/chats/${chatId}`, { token: w.user.token });
      const message = chat.body.chat.history.messages.a1;
      expect(message.content).toContain("Thought for");
      expect(message.content).toContain(TASK_JSON);
      expect(message.model).toBe("gpt-fake");
      expect(message.followUps).toEqual(["What about soil?"]);
      expect(chat.body.title).toBe("Growing plants");
      const tags = await w.t.request("GET", `/api/v1/chats/${chatId}/tags`, { token: w.user.token });
      expect(tags.body.map((t: any) => t.name)).toEqual(["Botany"]);
    });

    test("a chat in a project folder gets the folder's system prompt", async () => {
      const folder = await w.t.request("POST", "/api/v1/folders/", {
        token: w.user.token,
        body: { name: "Garden", data: { system_prompt: "You are a gardener helping {{USER_NAME}}." } },
      });
      expect(folder.status).toBe(200);
      const chatId = await newChat(w.user.token, folder.body.id);
      await w.t.request("POST", "/api/chat/completions", {
        token: w.user.token,
        body: { model: "gpt-fake", stream: false, messages: [{ role: "user", content: "Roses?" }], chat_id: chatId, id: "a1" },
      });
      const sent = w.openai.requests.filter((r) => r.path === "/v1/chat/completions").at(-1)!.body;
      expect(sent.messages[0]).toEqual({ role: "system", content: "You are a gardener helping Ann." });
    });

    test("another user cannot continue the chat, nor see its tasks", async () => {
      const chatId = await newChat(w.user.token);
      const before = await w.t.request("GET", `/api/v1/chats/${chatId}`, { token: w.user.token });
      const res = await w.t.request("POST", "/api/chat/completions", {
        token: w.other.token,
        body: { model: "gpt-fake", stream: true, messages: [], session_id: "sid", chat_id: chatId, id: "a1" },
      });
      expect([res.status, res.body.detail]).toEqual([400, "404: Something went wrong :/"]);
      expect((await w.t.request("GET", `/api/tasks/chat/${chatId}`, { token: w.other.token })).body).toEqual({ task_ids: [] });
      const after = await w.t.request("GET", `/api/v1/chats/${chatId}`, { token: w.user.token });
      expect(after.body).toEqual(before.body);
    });
  });
}
