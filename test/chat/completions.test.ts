// /api/chat/completions without a socket (SSE or JSON straight back), /api/chat/completed,
// /api/embeddings, on both databases.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { provideChatRuntime } from "../../src/chat/ports";
import { dialects } from "../support/databases";
import { publishModel, startWorld, type World } from "../fakes/world";
import { memoryRuntime } from "./memory-runtime";

const PROHIBITED = "You do not have permission to access this resource. Please contact your administrator for assistance.";

function sseData(text: string): any[] {
  return text
    .split("\n\n")
    .map((block) => block.trim())
    .filter((block) => block.startsWith("data:"))
    .map((block) => block.slice(5).trim())
    .filter((data) => data !== "[DONE]")
    .map((data) => JSON.parse(data));
}

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: World;
    let runtime: ReturnType<typeof memoryRuntime>;
    beforeAll(async () => {
      w = await startWorld(dialect, {
        openai: { models: [{ id: "gpt-fake" }, { id: "secret" }], reasoning: ["Because"], tokens: ["Hello", " world"] },
        ollama: { models: ["llama3:latest"], thinking: ["hmm"], tokens: ["Hi", " there"] },
      });
      runtime = memoryRuntime();
      provideChatRuntime(w.t.ctx, { chats: runtime.chats });
      await publishModel(w, "gpt-fake", { params: { temperature: 0.1 } });
      await publishModel(w, "llama3:latest");
    }, 30_000);
    afterAll(async () => w.close(), 30_000);
    const post = (path: string, body: unknown, token = w.user.token) => w.t.request("POST", path, { token, body });
    const lastChat = () => w.openai.requests.filter((r) => r.path === "/v1/chat/completions").at(-1)!;

    test("auth levels", async () => {
      for (const path of ["/api/chat/completions", "/api/v1/chat/completions", "/api/chat/completed", "/api/embeddings", "/api/v1/embeddings", "/api/tasks/stop/x"]) {
        expect((await w.t.request("POST", path, { body: {} })).status).toBe(401);
        const res = await post(path, {}, w.pending.token);
        expect([res.status, res.body.detail]).toEqual([401, PROHIBITED]);
      }
      for (const path of ["/api/tasks", "/api/tasks/chat/x"]) {
        expect((await w.t.request("GET", path)).status).toBe(401);
        expect((await w.t.request("GET", path, { token: w.pending.token })).status).toBe(401);
      }
    });

    test("SSE is relayed as the upstream sent it, after the request was shaped", async () => {
      const res = await post("/api/chat/completions", {
        model: "gpt-fake",
        stream: true,
        messages: [{ role: "system", content: "Hi {{USER_NAME}}" }, { role: "user", content: "hello" }],
        params: { top_p: 0.5, stream_response: true, function_calling: "native", custom_params: { seed: "7" } },
        variables: { "{{USER_NAME}}": "Ann" },
        features: { web_search: false },
        files: [],
        model_item: { id: "gpt-fake" },
        tool_servers: [],
        stream_options: { include_usage: true },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/event-stream");
      const chunks = sseData(res.text);
      expect(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("")).toBe("Hello world");
      expect(chunks[1].choices[0].delta.reasoning_content).toBe("Because");
      expect(lastChat().body).toEqual({
        model: "gpt-fake",
        stream: true,
        messages: [{ role: "system", content: "Hi Ann\nHi {{USER_NAME}}" }, { role: "user", content: "hello" }],
        stream_options: { include_usage: true },
        top_p: 0.5,
        seed: 7,
        temperature: 0.1,
      });
      const alias = await post("/api/v1/chat/completions", { model: "gpt-fake", messages: [{ role: "user", content: "x" }] });
      expect(alias.body.choices[0].message.content).toBe("Hello world");
    });

    test("Ollama models answer in OpenAI's format, streamed or whole", async () => {
      const stream = await post("/api/chat/completions", { model: "llama3:latest", stream: true, messages: [{ role: "user", content: "x" }], params: { max_tokens: 5 } });
      const chunks = sseData(stream.text);
      expect(chunks[0]).toMatchObject({ object: "chat.completion.chunk", model: "llama3:latest", choices: [{ index: 0, logprobs: null, delta: { reasoning_content: "hmm" } }] });
      expect(chunks.map((c) => c.choices[0].delta.content ?? "").join("")).toBe("Hi there");
      expect(chunks.at(-1).choices[0].finish_reason).toBe("stop");
      expect(chunks.at(-1).usage.completion_tokens).toBe(2);
      expect(stream.text.trim().endsWith("data: [DONE]")).toBe(true);
      const sent = w.ollama.requests.filter((r) => r.path === "/api/chat").at(-1)!.body;
      expect(sent.options).toEqual({ num_predict: 5 });
      const whole = await post("/api/chat/completions", { model: "llama3:latest", stream: false, messages: [{ role: "user", content: "x" }] });
      expect(whole.body).toMatchObject({ object: "chat.completion", choices: [{ message: { role: "assistant", content: "Hi there", reasoning_content: "hmm" }, finish_reason: "stop" }] });
    });

    test("attached files: their text goes into the prompt and the sources come first", async () => {
      const file = { type: "file", id: "f1", name: "notes.txt", context: "full", file: { data: { content: "The sky is green on Zog." } } };
      const res = await post("/api/chat/completions", { model: "gpt-fake", stream: true, messages: [{ role: "user", content: "Sky colour?" }], files: [file] });
      const chunks = sseData(res.text);
      expect(chunks[0].sources[0]).toMatchObject({ source: { id: "f1", name: "notes.txt" }, document: ["The sky is green on Zog."] });
      const last = lastChat().body.messages.at(-1);
      expect(last.role).toBe("user");
      expect(last.content).toContain('<source id="1" name="notes.txt">The sky is green on Zog.</source>');
      expect(last.content).toContain("Sky colour?");
      const whole = await post("/api/chat/completions", { model: "gpt-fake", messages: [{ role: "user", content: "Sky?" }], files: [file] });
      expect(whole.body.sources[0].document).toEqual(["The sky is green on Zog."]);
      expect(whole.body.choices[0].message.content).toBe("Hello world");
    });

    test("features.memory: the user's own nearest memories are appended to the system message", async () => {
      await post("/api/v1/memories/add", { content: "My cat is called Pixel." });
      await post("/api/v1/memories/add", { content: "I live in Lisbon." }, w.admin.token);
      const today = new Date();
      const day = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}-${String(today.getDate()).padStart(2, "0")}`;
      const messages = [{ role: "system", content: "Be brief." }, { role: "user", content: "What is my cat called?" }];
      await post("/api/chat/completions", { model: "gpt-fake", messages, features: { memory: true } });
      const system = lastChat().body.messages[0];
      expect(system.role).toBe("system");
      // The system prompt is put in front of itself, with its variables filled, as the reference does.
      expect(system.content).toStartWith("Be brief.\nBe brief.\nUser Context:\n1. [");
      expect(system.content).toContain(`[${day}] My cat is called Pixel.`);
      expect(system.content).not.toContain("Lisbon");
      await post("/api/chat/completions", { model: "gpt-fake", messages: [{ role: "user", content: "Hi" }], features: { memory: false } });
      expect(lastChat().body.messages).toEqual([{ role: "user", content: "Hi" }]);
      const question = [{ role: "user", content: "Where do I live?" }];
      const admins = await post("/api/chat/completions", { model: "gpt-fake", messages: question, features: { memory: true } }, w.admin.token);
      expect(admins.status).toBe(200);
      expect(lastChat().body.messages[0]).toEqual({ role: "system", content: expect.stringContaining("I live in Lisbon.") });
      expect(lastChat().body.messages[0].content).not.toContain("Pixel");
    });

    test("the arena picks a model and says which", async () => {
      const res = await post("/api/chat/completions", { model: "arena-model", stream: true, messages: [{ role: "user", content: "x" }] }, w.admin.token);
      const chunks = sseData(res.text);
      expect(["gpt-fake", "secret", "llama3:latest"]).toContain(chunks[0].selected_model_id);
      const whole = await post("/api/chat/completions", { model: "arena-model", messages: [{ role: "user", content: "x" }] }, w.admin.token);
      expect(whole.body.selected_model_id).toBeDefined();
    });

    test("models the user may not use, unknown models, bad bodies", async () => {
      const hidden = await post("/api/chat/completions", { model: "secret", messages: [] });
      expect([hidden.status, hidden.body.detail]).toEqual([400, "Model not found"]);
      const unknown = await post("/api/chat/completions", { model: "nope", messages: [] });
      expect([unknown.status, unknown.body.detail]).toEqual([400, "Model not found"]);
      expect((await post("/api/chat/completions", { model: "secret", messages: [] }, w.admin.token)).status).toBe(200);
      const notObject = await post("/api/chat/completions", "[1]");
      expect([notObject.status, notObject.body.detail[0].type]).toEqual([422, "dict_type"]);
      expect((await post("/api/chat/completions", "{oops")).status).toBe(422);
    });

    test("upstream errors keep their status; a dead upstream is a 500 with the reference's text", async () => {
      w.openai.options.error = { status: 400, body: { error: { message: "context too long" } } };
      try {
        const res = await post("/api/chat/completions", { model: "gpt-fake", stream: true, messages: [] });
        expect([res.status, res.body]).toEqual([400, { error: { message: "context too long" } }]);
      } finally {
        w.openai.options.error = undefined;
      }
      const original = w.t.ctx.config.get("OPENAI_API_BASE_URLS");
      w.t.ctx.config.apply({
        OPENAI_API_BASE_URLS: [...original, "http://127.0.0.1:9/v1"],
        OPENAI_API_KEYS: ["k", ""],
        OPENAI_API_CONFIGS: { "1": { model_ids: ["ghost"] } },
      });
      try {
        const res = await post("/api/chat/completions", { model: "ghost", messages: [] }, w.admin.token);
        expect([res.status, res.body.detail]).toEqual([500, "Open WebUI: Server Connection Error"]);
      } finally {
        w.t.ctx.config.apply({ OPENAI_API_BASE_URLS: original, OPENAI_API_KEYS: ["sk-upstream"], OPENAI_API_CONFIGS: {} });
      }
    });

    test("a stream that breaks off mid-way ends the relayed stream too", async () => {
      w.openai.options.failAfter = 2;
      try {
        const res = await w.t.app.handle(
          new Request("http://localhost/api/chat/completions", {
            method: "POST",
            headers: { authorization: `Bearer ${w.user.token}`, "content-type": "application/json" },
            body: JSON.stringify({ model: "gpt-fake", stream: true, messages: [] }),
          }),
        );
        let text = "";
        let failed = false;
        try {
          text = await res.text();
        } catch {
          failed = true;
        }
        expect(failed || !text.includes("[DONE]")).toBe(true);
      } finally {
        w.openai.options.failAfter = undefined;
      }
    });

    test("a chat id must be the caller's own chat; the message gets its model", async () => {
      runtime.chats.add("ann-chat", w.user.id, [{ id: "a1", role: "assistant", content: "" }]);
      runtime.chats.add("bob-chat", w.other.id, [{ id: "b1", role: "assistant", content: "" }]);
      const foreign = await post("/api/chat/completions", { model: "gpt-fake", messages: [], chat_id: "bob-chat", id: "b1" });
      expect([foreign.status, foreign.body.detail]).toEqual([400, "404: Something went wrong :/"]);
      const asAdmin = await post("/api/chat/completions", { model: "gpt-fake", messages: [], chat_id: "bob-chat", id: "b1" }, w.admin.token);
      expect(asAdmin.status).toBe(400);
      expect(runtime.chats.chats.get("bob-chat")!.history.messages.b1).toEqual({ id: "b1", role: "assistant", content: "" });
      const own = await post("/api/chat/completions", { model: "gpt-fake", messages: [], chat_id: "ann-chat", id: "a1" });
      expect(own.status).toBe(200);
      expect(runtime.chats.chats.get("ann-chat")!.history.messages.a1!.model).toBe("gpt-fake");
      const local = await post("/api/chat/completions", { model: "gpt-fake", messages: [], chat_id: "local", id: "x" });
      expect(local.status).toBe(200);
    });

    test("completed: the body comes back without model_item", async () => {
      const body = { model: "gpt-fake", messages: [{ id: "1", role: "user", content: "hi" }], chat_id: "c", id: "m", session_id: "s", model_item: { id: "x" } };
      const res = await post("/api/chat/completed", body);
      const { model_item, ...rest } = body;
      expect([res.status, res.body]).toEqual([200, rest]);
      const unknown = await post("/api/chat/completed", { model: "nope", messages: [] });
      expect([unknown.status, unknown.body.detail]).toEqual([400, "Model not found"]);
      const direct = { model: "mine.tiny", messages: [], model_item: { id: "mine.tiny", direct: true } };
      expect((await post("/api/chat/completed", direct)).body).toEqual({ model: "mine.tiny", messages: [] });
    });

    test("embeddings go to the model's connection", async () => {
      const openai = await post("/api/embeddings", { model: "gpt-fake", input: ["a", "b"] });
      expect(openai.body.data).toHaveLength(2);
      expect(w.openai.requests.at(-1)?.path).toBe("/v1/embeddings");
      const ollama = await post("/api/v1/embeddings", { model: "llama3:latest", input: "a" });
      expect(ollama.body).toEqual({ object: "list", data: [{ object: "embedding", embedding: [0.5, 0.6], index: 0 }], model: null });
      expect(w.ollama.requests.at(-1)?.body).toEqual({ model: "llama3:latest", prompt: "a" });
      const hidden = await post("/api/embeddings", { model: "secret", input: "a" });
      expect([hidden.status, hidden.body.detail]).toEqual([400, "Model not found"]);
    });
  });
}
