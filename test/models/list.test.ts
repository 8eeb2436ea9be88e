// GET /api/models (and /api/v1/models, /api/models/base): connections merged, workspace rows
// applied, arena, order, access filtering, and upstreams that are slow or down.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { insertGroup, updateGroup } from "../../src/groups/repository";
import { dialects } from "../support/databases";
import { startTestApp } from "../support/app";
import { insertUser } from "../support/users";
import { startFakeOllama } from "../fakes/ollama";
import { startFakeOpenAI } from "../fakes/openai";
import { publishModel, startWorld, type World } from "../fakes/world";

const ids = (res: { body: any }) => res.body.data.map((m: any) => m.id);

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: World;
    beforeAll(async () => {
      w = await startWorld(dialect, {
        openai: { models: [{ id: "gpt-fake" }, { id: "o3-mini" }] },
        ollama: { models: ["llama3:latest", "qwen:7b"], loadedUntil: "2030-01-01T00:00:00.123456+00:00" },
      });
    }, 30_000);
    afterAll(async () => w.close(), 30_000);
    const get = (path: string, token = w.admin.token) => w.t.request("GET", path, { token });

    test("auth levels", async () => {
      expect((await get("/api/models", "")).status).toBe(401);
      expect((await get("/api/models", w.pending.token)).status).toBe(401);
      expect((await get("/api/models/base", w.user.token)).status).toBe(401);
      expect((await get("/api/models", w.user.token)).status).toBe(200);
    });

    test("OpenAI and Ollama models merged, then the arena, in the reference's item shapes", async () => {
      const res = await get("/api/models");
      expect(res.status).toBe(200);
      expect(ids(res)).toEqual(["gpt-fake", "o3-mini", "llama3:latest", "qwen:7b", "arena-model"]);
      const [gpt, , llama, , arena] = res.body.data;
      expect(gpt).toEqual({
        object: "model",
        created: 1700000000,
        owned_by: "openai",
        id: "gpt-fake",
        connection_type: "external",
        name: "gpt-fake",
        openai: { object: "model", created: 1700000000, owned_by: "fake", id: "gpt-fake", connection_type: "external" },
        urlIdx: 0,
        actions: [],
        filters: [],
        tags: [],
      });
      expect(llama.owned_by).toBe("ollama");
      expect(llama.ollama.urls).toEqual([0]);
      expect(llama.ollama.expires_at).toBe(1893456000);
      expect(llama.connection_type).toBe("local");
      expect(arena).toMatchObject({ id: "arena-model", name: "Arena Model", owned_by: "arena", arena: true });
      expect((await get("/api/v1/models")).body).toEqual(res.body);
      const base = await get("/api/models/base");
      expect(base.body.data.map((m: any) => m.id)).toEqual(["gpt-fake", "o3-mini", "llama3:latest", "qwen:7b"]);
    });

    test("a regular user sees only models whose row they may read (not even the arena)", async () => {
      expect(ids(await get("/api/models", w.user.token))).toEqual([]);
      await publishModel(w, "gpt-fake", { name: "GPT", meta: { tags: [{ name: "fast" }] } });
      await publishModel(w, "llama3", { name: "Llama", access_control: {} });
      const group = await insertGroup(w.t.ctx.db, w.admin.id, { name: "team", description: "" });
      await updateGroup(w.t.ctx.db, group.id, () => ({ user_ids: [w.other.id] }));
      await publishModel(w, "o3-mini", { access_control: { read: { group_ids: [group.id], user_ids: [] } } });
      const ann = await get("/api/models", w.user.token);
      expect(ids(ann)).toEqual(["gpt-fake"]);
      expect(ann.body.data[0].name).toBe("GPT");
      expect(ann.body.data[0].tags).toEqual([{ name: "fast" }]);
      expect(ann.body.data[0].info.id).toBe("gpt-fake");
      expect(ids(await get("/api/models", w.other.token))).toEqual(["gpt-fake", "o3-mini"]);
      // The override by the tagless name applies to every Ollama tag of the model.
      const all = await get("/api/models");
      expect(all.body.data.find((m: any) => m.id === "llama3:latest").name).toBe("Llama");
    });

    test("inactive overrides hide the base model; presets appear with their base's owner", async () => {
      await w.t.request("POST", "/api/v1/models/model/toggle?id=o3-mini", { token: w.admin.token });
      await w.t.request("POST", "/api/v1/models/create", {
        token: w.admin.token,
        body: { id: "helper", base_model_id: "qwen:7b", name: "Helper", meta: {}, params: {}, access_control: null },
      });
      const res = await get("/api/models");
      expect(ids(res)).toEqual(["gpt-fake", "llama3:latest", "qwen:7b", "arena-model", "helper"]);
      const helper = res.body.data.at(-1);
      expect(helper).toMatchObject({ id: "helper", name: "Helper", object: "model", owned_by: "ollama", preset: true });
      expect(ids(await get("/api/models", w.user.token))).toEqual(["gpt-fake", "helper"]);
    });

    test("MODEL_ORDER_LIST sorts first, then by name", async () => {
      await w.t.ctx.config.set({ MODEL_ORDER_LIST: ["qwen:7b", "helper"] });
      expect(ids(await get("/api/models")).slice(0, 3)).toEqual(["qwen:7b", "helper", "arena-model"]);
      await w.t.ctx.config.set({ MODEL_ORDER_LIST: [] });
    });

    test("connection settings: prefix, tags, model ids, disabled connections", async () => {
      const second = startFakeOpenAI({ models: [{ id: "a" }, { id: "b" }] });
      try {
        await w.t.request("POST", "/openai/config/update", {
          token: w.admin.token,
          body: {
            OPENAI_API_BASE_URLS: [w.openai.url, second.url, "http://127.0.0.1:9/v1"],
            OPENAI_API_KEYS: ["k"],
            OPENAI_API_CONFIGS: {
              "1": { prefix_id: "two", tags: [{ name: "second" }] },
              "2": { enable: false },
            },
          },
        });
        const res = await get("/api/models");
        const two = res.body.data.filter((m: any) => String(m.id).startsWith("two."));
        expect(two.map((m: any) => m.id)).toEqual(["two.a", "two.b"]);
        expect(two[0].tags).toEqual([{ name: "second" }]);
        expect(two[0].urlIdx).toBe(1);
        await w.t.request("POST", "/openai/config/update", {
          token: w.admin.token,
          body: { OPENAI_API_BASE_URLS: [w.openai.url, second.url], OPENAI_API_KEYS: ["k", ""], OPENAI_API_CONFIGS: { "1": { model_ids: ["only-this"] } } },
        });
        const listed = await get("/api/models");
        expect(ids(listed)).toContain("only-this");
        expect(ids(listed)).not.toContain("a");
      } finally {
        await second.stop();
        await w.t.request("POST", "/openai/config/update", {
          token: w.admin.token,
          body: { OPENAI_API_BASE_URLS: [w.openai.url], OPENAI_API_KEYS: ["sk-upstream"], OPENAI_API_CONFIGS: {} },
        });
      }
    });

    test("no base models: an empty list, even without the arena or presets", async () => {
      await w.t.ctx.config.set({ ENABLE_OPENAI_API: false, ENABLE_OLLAMA_API: false });
      expect((await get("/api/models")).body).toEqual({ data: [] });
      await w.t.ctx.config.set({ ENABLE_OPENAI_API: true, ENABLE_OLLAMA_API: true });
      expect(ids(await get("/api/models"))).toContain("gpt-fake");
    });
  });
}

describe("slow and unreachable upstreams", () => {
  test("the list answers fast; the slow connection's models appear once they arrive", async () => {
    const fast = startFakeOpenAI({ models: [{ id: "fast-model" }] });
    const slow = startFakeOpenAI({ models: [{ id: "slow-model" }], modelsDelayMs: 3_000 });
    const t = await startTestApp("sqlite", {
      OPENAI_API_BASE_URLS: `${fast.url};${slow.url};http://127.0.0.1:9/v1`,
      OPENAI_API_KEYS: ";;",
      ENABLE_OLLAMA_API: "false",
      MODELS_CACHE_TTL: "0",
    });
    try {
      const admin = await insertUser(t.ctx, { role: "admin" });
      const token = t.tokenFor(admin.id);
      let started = performance.now();
      const first = await t.request("GET", "/api/models", { token });
      expect(performance.now() - started).toBeLessThan(2_600);
      expect(ids(first)).toEqual(["fast-model", "arena-model"]);
      // While the slow connection is still being asked, repeated requests answer at once.
      started = performance.now();
      for (let i = 0; i < 20; i++) expect(ids(await t.request("GET", "/api/models", { token }))).toContain("fast-model");
      expect(performance.now() - started).toBeLessThan(500);
      await Bun.sleep(1_600);
      expect(ids(await t.request("GET", "/api/models", { token }))).toEqual(["fast-model", "slow-model", "arena-model"]);
      // An upstream that goes away disappears from the list on the next refresh.
      await fast.stop();
      await t.request("GET", "/api/models?refresh=true", { token });
      expect(ids(await t.request("GET", "/api/models", { token }))).not.toContain("fast-model");
    } finally {
      await t.close();
      await t.database.drop();
      await fast.stop();
      await slow.stop();
    }
  }, 15_000);

  test("an unreachable Ollama does not slow the list down", async () => {
    const openai = startFakeOpenAI();
    const ollama = startFakeOllama();
    const url = ollama.url;
    await ollama.stop();
    const t = await startTestApp("sqlite", { OPENAI_API_BASE_URLS: openai.url, OPENAI_API_KEYS: "k", OLLAMA_BASE_URLS: url });
    try {
      const admin = await insertUser(t.ctx, { role: "admin" });
      const started = performance.now();
      const res = await t.request("GET", "/api/models", { token: t.tokenFor(admin.id) });
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(ids(res)).toEqual(["gpt-fake", "arena-model"]);
    } finally {
      await t.close();
      await t.database.drop();
      await openai.stop();
    }
  });
});
