// /ollama on both databases: settings, the merged and per-node model lists, versions, model
// management (admins), generation and embeddings (users with access), OpenAI-style routes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { dialects } from "../support/databases";
import { startFakeOllama, type FakeOllama } from "../fakes/ollama";
import { publishModel, startWorld, type World } from "../fakes/world";

const PROHIBITED = "You do not have permission to access this resource. Please contact your administrator for assistance.";

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: World;
    let second: FakeOllama;
    beforeAll(async () => {
      second = startFakeOllama({ models: ["llama3:latest", "mistral:7b"], version: "0.4.0" });
      w = await startWorld(dialect, { ollama: { models: ["llama3:latest"], loadedUntil: "2030-01-01T00:00:00Z" } });
      await w.t.request("POST", "/ollama/config/update", {
        token: w.admin.token,
        body: { OLLAMA_BASE_URLS: [w.ollama.url, second.url], OLLAMA_API_CONFIGS: { "1": { prefix_id: "", tags: [{ name: "gpu" }] } } },
      });
    }, 30_000);
    afterAll(async () => {
      await w.close();
      await second.stop();
    }, 30_000);
    const req = (method: string, path: string, token?: string, body?: unknown) => w.t.request(method, path, { token, body });

    test("status and version are public; the rest needs an account of the right role", async () => {
      expect((await req("GET", "/ollama/")).body).toEqual({ status: true });
      expect((await w.t.app.handle(new Request("http://localhost/ollama/", { method: "HEAD" }))).status).toBe(200);
      expect((await req("GET", "/ollama/api/version")).body).toEqual({ version: "0.4.0" });
      expect((await req("GET", "/ollama/api/version/0")).body).toEqual({ version: "0.5.7" });
      const admin = [
        ["POST", "/ollama/verify"], ["GET", "/ollama/config"], ["POST", "/ollama/config/update"], ["GET", "/ollama/api/ps"],
        ["POST", "/ollama/api/unload"], ["POST", "/ollama/api/pull"], ["POST", "/ollama/api/pull/0"], ["DELETE", "/ollama/api/push"],
        ["DELETE", "/ollama/api/push/0"], ["POST", "/ollama/api/create"], ["POST", "/ollama/api/create/0"], ["POST", "/ollama/api/copy"],
        ["POST", "/ollama/api/copy/0"], ["DELETE", "/ollama/api/delete"], ["DELETE", "/ollama/api/delete/0"],
        ["POST", "/ollama/models/download"], ["POST", "/ollama/models/download/0"], ["POST", "/ollama/models/upload"], ["POST", "/ollama/models/upload/0"],
      ] as const;
      for (const [method, path] of admin) {
        expect((await req(method, path, undefined, {})).status).toBe(401);
        const res = await req(method, path, w.user.token, {});
        expect([path, res.status, res.body.detail]).toEqual([path, 401, PROHIBITED]);
      }
      const verified = [
        ["GET", "/ollama/api/tags"], ["GET", "/ollama/api/tags/0"], ["POST", "/ollama/api/show"], ["POST", "/ollama/api/embed"],
        ["POST", "/ollama/api/embed/0"], ["POST", "/ollama/api/embeddings"], ["POST", "/ollama/api/embeddings/0"], ["POST", "/ollama/api/generate"],
        ["POST", "/ollama/api/generate/0"], ["POST", "/ollama/api/chat"], ["POST", "/ollama/api/chat/0"], ["POST", "/ollama/v1/completions"],
        ["POST", "/ollama/v1/completions/0"], ["POST", "/ollama/v1/chat/completions"], ["POST", "/ollama/v1/chat/completions/0"],
        ["GET", "/ollama/v1/models"], ["GET", "/ollama/v1/models/0"],
      ] as const;
      for (const [method, path] of verified) {
        expect((await req(method, path, undefined, {})).status).toBe(401);
        expect((await req(method, path, w.pending.token, {})).status).toBe(401);
      }
    });

    test("config and verify", async () => {
      const config = await req("GET", "/ollama/config", w.admin.token);
      expect(config.body).toEqual({
        ENABLE_OLLAMA_API: true,
        OLLAMA_BASE_URLS: [w.ollama.url, second.url],
        OLLAMA_API_CONFIGS: { "1": { prefix_id: "", tags: [{ name: "gpu" }] } },
      });
      expect((await req("POST", "/ollama/verify", w.admin.token, { url: second.url })).body).toEqual({ version: "0.4.0" });
      const down = await req("POST", "/ollama/verify", w.admin.token, { url: "http://127.0.0.1:9" });
      expect([down.status, down.body.detail]).toEqual([500, "Open WebUI: Server Connection Error"]);
    });

    test("tags: merged across nodes with their indexes, filtered for users", async () => {
      const tags = await req("GET", "/ollama/api/tags", w.admin.token);
      expect(tags.body.models.map((m: any) => [m.model, m.urls])).toEqual([
        ["llama3:latest", [0, 1]],
        ["mistral:7b", [1]],
      ]);
      expect(tags.body.models[0].expires_at).toBe(1893456000);
      expect(tags.body.models[1].tags).toEqual([{ name: "gpu" }]);
      expect((await req("GET", "/ollama/api/tags", w.user.token)).body.models).toEqual([]);
      await publishModel(w, "mistral:7b");
      expect((await req("GET", "/ollama/api/tags", w.user.token)).body.models.map((m: any) => m.model)).toEqual(["mistral:7b"]);
      const one = await req("GET", "/ollama/api/tags/1", w.admin.token);
      expect(one.body.models.map((m: any) => m.model)).toEqual(["llama3:latest", "mistral:7b"]);
      expect((await req("GET", "/ollama/api/tags/9", w.admin.token)).status).toBe(404);
      const ps = await req("GET", "/ollama/api/ps", w.admin.token);
      expect(ps.body.models.map((m: any) => [m.model, m.urls])).toEqual([["llama3:latest", [0]]]);
      const openai = await req("GET", "/ollama/v1/models", w.user.token);
      expect(openai.body).toEqual({ data: [{ id: "mistral:7b", object: "model", created: expect.any(Number), owned_by: "openai" }], object: "list" });
      expect((await req("GET", "/ollama/v1/models/0", w.admin.token)).body.data.map((m: any) => m.id)).toEqual(["llama3:latest"]);
    });

    test("generation needs read access to the model; names get :latest", async () => {
      const denied = await req("POST", "/ollama/api/generate", w.user.token, { model: "llama3", prompt: "hi" });
      expect([denied.status, denied.body.detail]).toEqual([403, "Model not found"]);
      const generated = await req("POST", "/ollama/api/generate", w.user.token, { model: "mistral:7b", prompt: "hi", stream: false });
      expect(generated.body).toMatchObject({ response: "Hi there", done: true });
      expect(second.requests.at(-1)?.body).toEqual({ model: "mistral:7b", prompt: "hi", stream: false });
      const streamed = await req("POST", "/ollama/api/generate", w.admin.token, { model: "llama3", prompt: "hi" });
      expect(streamed.text.split("\n").filter(Boolean)).toHaveLength(3);
      const unknown = await req("POST", "/ollama/api/generate", w.admin.token, { model: "nope", prompt: "hi" });
      expect([unknown.status, unknown.body.detail]).toEqual([400, "Model 'nope' was not found"]);
      const embed = await req("POST", "/ollama/api/embed", w.user.token, { model: "mistral:7b", input: ["a"] });
      expect(embed.body.embeddings).toEqual([[0.1, 0.2]]);
      const legacy = await req("POST", "/ollama/api/embeddings/1", w.user.token, { model: "mistral:7b", prompt: "a" });
      expect(legacy.body).toEqual({ embedding: [0.5, 0.6] });
      const show = await req("POST", "/ollama/api/show", w.user.token, { name: "mistral:7b" });
      expect(show.body.modelfile).toBe("FROM mistral:7b");
      expect((await req("POST", "/ollama/api/show", w.user.token, { name: "llama3:latest" })).status).toBe(403);
    });

    test("chat: NDJSON stream or JSON; model row params become options", async () => {
      await publishModel(w, "llama3:latest", { params: { temperature: 0.4, max_tokens: 12, system: "Sys", keep_alive: "5m" } });
      const stream = await req("POST", "/ollama/api/chat", w.user.token, { model: "llama3:latest", messages: [{ role: "user", content: "hi", extra: 1 }] });
      expect(stream.headers.get("content-type")).toBe("application/x-ndjson");
      const lines = stream.text.split("\n").filter(Boolean).map((l) => JSON.parse(l));
      expect(lines.map((l) => l.message.content).join("")).toBe("Hi there");
      const sent = [...w.ollama.requests, ...second.requests].filter((r) => r.path === "/api/chat").at(-1)!;
      expect(sent.body).toEqual({
        model: "llama3:latest",
        messages: [{ role: "system", content: "Sys" }, { role: "user", content: "hi" }],
        stream: true,
        keep_alive: "5m",
        options: { temperature: 0.4, num_predict: 12 },
      });
      const whole = await req("POST", "/ollama/api/chat/1", w.user.token, { model: "llama3:latest", messages: [{ role: "user", content: "x" }], stream: false });
      expect(whole.body.message.content).toBe("Hi there");
      const invalid = await req("POST", "/ollama/api/chat", w.user.token, { model: "llama3", messages: "nope" });
      expect(invalid.status).toBe(400);
    });

    test("OpenAI-compatible routes of the node", async () => {
      const chat = await req("POST", "/ollama/v1/chat/completions", w.user.token, { model: "llama3", messages: [{ role: "user", content: "x" }] });
      expect(chat.body.choices[0].message.content).toBe("ok");
      const completion = await req("POST", "/ollama/v1/completions/0", w.admin.token, { model: "llama3", prompt: "x" });
      expect(completion.status).toBe(200);
      expect(w.ollama.requests.at(-1)?.path).toBe("/v1/completions");
      const denied = await req("POST", "/ollama/v1/completions", w.other.token, { model: "qwen", prompt: "x" });
      expect(denied.status).toBe(403);
    });

    test("model management: pull, push, create, copy, delete, unload", async () => {
      const pull = await req("POST", "/ollama/api/pull/1", w.admin.token, { name: "phi3" });
      expect(pull.text.trim().split("\n").map((l) => JSON.parse(l).status)).toEqual(["working", "success"]);
      expect(second.requests.at(-1)?.body).toEqual({ name: "phi3", model: "phi3", insecure: true });
      expect((await req("DELETE", "/ollama/api/push", w.admin.token, { model: "mistral:7b" })).status).toBe(200);
      expect(second.requests.at(-1)?.path).toBe("/api/push");
      const missing = await req("DELETE", "/ollama/api/push", w.admin.token, { model: "ghost" });
      expect([missing.status, missing.body.detail]).toEqual([400, "Model 'ghost' was not found"]);
      expect((await req("POST", "/ollama/api/create", w.admin.token, { model: "m2", from: "llama3" })).status).toBe(200);
      expect(w.ollama.requests.at(-1)?.body).toEqual({ model: "m2", from: "llama3" });
      const copy = await req("POST", "/ollama/api/copy", w.admin.token, { source: "mistral:7b", destination: "m3" });
      expect([copy.status, copy.body]).toEqual([200, true]);
      const refused = await req("POST", "/ollama/api/copy/0", w.admin.token, { source: "ghost", destination: "m3" });
      expect([refused.status, refused.body.detail]).toEqual([500, "Ollama: model 'ghost' not found"]);
      expect((await req("DELETE", "/ollama/api/delete", w.admin.token, { name: "llama3:latest" })).body).toBe(true);
      const unload = await req("POST", "/ollama/api/unload", w.admin.token, { model: "llama3" });
      expect(unload.status).toBe(200);
      expect(unload.body).toEqual({ status: true });
      expect((await req("POST", "/ollama/api/unload", w.admin.token, {})).body.detail).toBe("Missing name of the model to unload.");
      const badUrl = await req("POST", "/ollama/models/download", w.admin.token, { url: "https://example.com/x.gguf" });
      expect([badUrl.status, badUrl.body.detail]).toEqual([400, "Invalid file_url. Only URLs from allowed hosts are permitted."]);
    });

    test("upload of a model file", async () => {
      const form = new FormData();
      form.append("file", new File([new Uint8Array([1, 2, 3])], "tiny.gguf"));
      const res = await w.t.app.handle(
        new Request("http://localhost/ollama/models/upload/1", { method: "POST", body: form, headers: { authorization: `Bearer ${w.admin.token}` } }),
      );
      const events = (await res.text()).split("\n\n").filter(Boolean).map((e) => JSON.parse(e.slice(6)));
      expect(events.at(-1)).toMatchObject({ done: true, name: "tiny.gguf", model_created: "tiny" });
      expect(second.requests.at(-1)?.body).toEqual({ model: "tiny", files: { "tiny.gguf": expect.stringMatching(/^sha256:/) } });
    });

    test("disabled: version says false, lists are empty", async () => {
      await w.t.ctx.config.set({ ENABLE_OLLAMA_API: false });
      try {
        expect((await req("GET", "/ollama/api/version")).body).toEqual({ version: false });
        expect((await req("GET", "/ollama/api/tags", w.admin.token)).body).toEqual({ models: [] });
        expect((await req("GET", "/ollama/api/ps", w.admin.token)).body).toEqual({ models: [] });
      } finally {
        await w.t.ctx.config.set({ ENABLE_OLLAMA_API: true });
      }
    });
  });
}
