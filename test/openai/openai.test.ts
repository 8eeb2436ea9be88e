// /openai on both databases: connection settings (persisted), verification, model lists,
// the chat completions proxy, speech, the old catch-all, and who may use what.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openTestApp } from "../support/app";
import { dialects } from "../support/databases";
import { startFakeOpenAI } from "../fakes/openai";
import { publishModel, startWorld, type World } from "../fakes/world";

const PROHIBITED = "You do not have permission to access this resource. Please contact your administrator for assistance.";

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: World;
    beforeAll(async () => {
      w = await startWorld(dialect, { openai: { models: [{ id: "gpt-fake" }, { id: "o3-mini" }, { id: "text-embedding-3" }] } });
    }, 30_000);
    afterAll(async () => w.close(), 30_000);
    const req = (method: string, path: string, token?: string, body?: unknown) => w.t.request(method, path, { token, body });

    test("auth levels", async () => {
      for (const [method, path] of [
        ["GET", "/openai/config"],
        ["POST", "/openai/config/update"],
        ["POST", "/openai/verify"],
        ["GET", "/openai/anything"],
      ] as const) {
        expect((await req(method, path)).status).toBe(401);
        const res = await req(method, path, w.user.token, {});
        expect([res.status, res.body.detail]).toEqual([401, PROHIBITED]);
      }
      for (const [method, path] of [
        ["GET", "/openai/models"],
        ["GET", "/openai/models/0"],
        ["POST", "/openai/chat/completions"],
        ["POST", "/openai/audio/speech"],
      ] as const) {
        expect((await req(method, path)).status).toBe(401);
        expect((await req(method, path, w.pending.token, {})).status).toBe(401);
      }
    });

    test("config: read, update (keys follow the URLs, stale settings dropped), persisted", async () => {
      const initial = await req("GET", "/openai/config", w.admin.token);
      expect(initial.body).toEqual({
        ENABLE_OPENAI_API: true,
        OPENAI_API_BASE_URLS: [w.openai.url],
        OPENAI_API_KEYS: ["sk-upstream"],
        OPENAI_API_CONFIGS: {},
      });
      const updated = await req("POST", "/openai/config/update", w.admin.token, {
        ENABLE_OPENAI_API: true,
        OPENAI_API_BASE_URLS: [w.openai.url, "http://127.0.0.1:9/v1"],
        OPENAI_API_KEYS: ["sk-upstream", "k2", "extra"],
        OPENAI_API_CONFIGS: { "0": { prefix_id: "" }, "1": { enable: false }, "5": { enable: true } },
      });
      expect(updated.body).toEqual({
        ENABLE_OPENAI_API: true,
        OPENAI_API_BASE_URLS: [w.openai.url, "http://127.0.0.1:9/v1"],
        OPENAI_API_KEYS: ["sk-upstream", "k2"],
        OPENAI_API_CONFIGS: { "0": { prefix_id: "" }, "1": { enable: false } },
      });
      const reopened = await openTestApp(w.t.database, {});
      try {
        expect(reopened.ctx.config.get("OPENAI_API_KEYS")).toEqual(["sk-upstream", "k2"]);
        expect(reopened.ctx.config.get("OPENAI_API_CONFIGS")).toEqual({ "0": { prefix_id: "" }, "1": { enable: false } });
      } finally {
        await reopened.close();
      }
      const bad = await req("POST", "/openai/config/update", w.admin.token, { OPENAI_API_BASE_URLS: "x" });
      expect(bad.status).toBe(422);
    });

    test("verify: the upstream's /models answer, its errors, or a connection error", async () => {
      const ok = await req("POST", "/openai/verify", w.admin.token, { url: w.openai.url, key: "sk-test" });
      expect(ok.status).toBe(200);
      expect(ok.body.data.map((m: any) => m.id)).toContain("gpt-fake");
      expect(w.openai.requests.at(-1)?.headers.authorization).toBe("Bearer sk-test");
      const down = await req("POST", "/openai/verify", w.admin.token, { url: "http://127.0.0.1:9/v1", key: "" });
      expect([down.status, down.body.detail]).toEqual([500, "Open WebUI: Server Connection Error"]);
      const missing = await req("POST", "/openai/verify", w.admin.token, { url: `${w.openai.url}/nothing`, key: "" });
      expect(missing.status).toBe(404);
    });

    test("model lists: all connections, one connection; users only see readable models", async () => {
      const all = await req("GET", "/openai/models", w.admin.token);
      expect(all.body.data.map((m: any) => m.id)).toEqual(["gpt-fake", "o3-mini", "text-embedding-3"]);
      expect(all.body.data[0]).toMatchObject({ owned_by: "openai", urlIdx: 0, connection_type: "external" });
      expect((await req("GET", "/openai/models", w.user.token)).body.data).toEqual([]);
      await publishModel(w, "gpt-fake");
      expect((await req("GET", "/openai/models", w.user.token)).body.data.map((m: any) => m.id)).toEqual(["gpt-fake"]);
      const one = await req("GET", "/openai/models/0", w.admin.token);
      expect(one.body).toMatchObject({ object: "list" });
      expect(one.body.data.map((m: any) => m.id)).toEqual(["gpt-fake", "o3-mini", "text-embedding-3"]);
      expect((await req("GET", "/openai/models/0", w.user.token)).body.data.map((m: any) => m.id)).toEqual(["gpt-fake"]);
      // Index 1 is disabled (set above): not for users; nothing at all beyond the list.
      expect((await req("GET", "/openai/models/1", w.user.token)).status).toBe(404);
      expect((await req("GET", "/openai/models/7", w.admin.token)).status).toBe(404);
      const dead = await req("GET", "/openai/models/1", w.admin.token);
      expect([dead.status, dead.body.detail]).toEqual([500, "Open WebUI: Server Connection Error"]);
    });

    test("chat completions: JSON and SSE relayed, model row applied, access enforced", async () => {
      await publishModel(w, "o3-mini", { access_control: {}, params: { system: "Be brief, {{USER_NAME}}.", temperature: "0.3", max_tokens: 5 } });
      const json = await req("POST", "/openai/chat/completions", w.admin.token, {
        model: "o3-mini",
        messages: [{ role: "system", content: "sys" }, { role: "user", content: "hi" }],
      });
      expect(json.status).toBe(200);
      expect(json.body.choices[0].message.content).toBe("Hello world!");
      const sent = w.openai.requests.at(-1)!;
      expect(sent.headers.authorization).toBe("Bearer sk-upstream");
      // Reasoning model: max_tokens renamed, the system message becomes "developer".
      expect(sent.body).toEqual({
        model: "o3-mini",
        messages: [{ role: "developer", content: "Be brief, Admin.\nsys" }, { role: "user", content: "hi" }],
        temperature: 0.3,
        max_completion_tokens: 5,
      });
      const denied = await req("POST", "/openai/chat/completions", w.user.token, { model: "o3-mini", messages: [] });
      expect([denied.status, denied.body.detail]).toEqual([403, "Model not found"]);
      const noRow = await req("POST", "/openai/chat/completions", w.user.token, { model: "text-embedding-3", messages: [] });
      expect([noRow.status, noRow.body.detail]).toEqual([403, "Model not found"]);
      const unknown = await req("POST", "/openai/chat/completions", w.admin.token, { model: "nope", messages: [] });
      expect([unknown.status, unknown.body.detail]).toEqual([404, "Model not found"]);

      const stream = await req("POST", "/openai/chat/completions", w.user.token, {
        model: "gpt-fake",
        stream: true,
        max_completion_tokens: 9,
        messages: [{ role: "user", content: "hi" }],
      });
      expect(stream.headers.get("content-type")).toBe("text/event-stream");
      expect(stream.text).toContain('"content":" world"');
      expect(stream.text.trim().endsWith("data: [DONE]")).toBe(true);
      expect(w.openai.requests.at(-1)!.body.max_tokens).toBe(9);
    });

    test("upstream errors keep their status and body", async () => {
      w.openai.options.error = { status: 429, body: { error: { message: "slow down", type: "rate_limit" } } };
      try {
        const res = await req("POST", "/openai/chat/completions", w.admin.token, { model: "gpt-fake", messages: [] });
        expect([res.status, res.body]).toEqual([429, { error: { message: "slow down", type: "rate_limit" } }]);
      } finally {
        w.openai.options.error = undefined;
      }
    });

    test("the old catch-all forwards to the first connection, for admins only", async () => {
      const res = await req("POST", "/openai/embeddings", w.admin.token, { model: "x", input: "a" });
      expect(res.status).toBe(200);
      expect(res.body.data[0].embedding).toEqual([0.1, 0.2, 0.3]);
      expect(w.openai.requests.at(-1)?.path).toBe("/v1/embeddings");
      const missing = await req("GET", "/openai/nowhere", w.admin.token);
      expect(missing.status).toBe(404);
      expect((await req("POST", "/openai/embeddings", w.user.token, {})).status).toBe(401);
    });

    test("speech needs a connection to api.openai.com", async () => {
      const res = await req("POST", "/openai/audio/speech", w.user.token, { input: "hi" });
      expect([res.status, res.body.detail]).toEqual([401, "OpenAI API was not found"]);
    });
  });
}

describe("upstream auth types", () => {
  test("bearer, none and session", async () => {
    const fake = startFakeOpenAI();
    const w = await startWorld("sqlite", { env: { OPENAI_API_BASE_URLS: fake.url, OPENAI_API_KEYS: "sk-conn" } });
    try {
      for (const [auth, expected] of [
        ["bearer", "Bearer sk-conn"],
        ["none", undefined],
        ["session", `Bearer ${w.admin.token}`],
      ] as const) {
        w.t.ctx.config.apply({ OPENAI_API_CONFIGS: { "0": { auth_type: auth } } });
        const res = await w.t.request("POST", "/openai/chat/completions", { token: w.admin.token, body: { model: "gpt-fake", messages: [] } });
        expect(res.status).toBe(200);
        expect(fake.requests.at(-1)?.headers.authorization).toBe(expected);
      }
    } finally {
      await w.close();
      await fake.stop();
    }
  });
});
