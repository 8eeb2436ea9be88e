// /api/v1/images on both databases: the settings (persisted at the reference's config paths),
// refused input, the engines' model lists, URL verification, and generating images with each
// engine (fakes on loopback) into stored files.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { openTestApp } from "../support/app";
import { dialects } from "../support/databases";
import { PNG_BYTES } from "../fakes/openai";
import { startFakeAutomatic1111, startFakeComfyUI, startFakeGemini, type FakeAutomatic1111, type FakeComfyUI } from "../fakes/image-engines";
import { startWorld, type World } from "../fakes/world";

const PROHIBITED = "You do not have permission to access this resource. Please contact your administrator for assistance.";

for (const dialect of dialects) {
  describe(dialect, () => {
    let w: World;
    let a1111: FakeAutomatic1111;
    let comfy: FakeComfyUI;
    let gemini: ReturnType<typeof startFakeGemini>;
    let defaults: Record<string, any>;
    beforeAll(async () => {
      a1111 = startFakeAutomatic1111();
      comfy = startFakeComfyUI();
      gemini = startFakeGemini();
      w = await startWorld(dialect, { openai: { images: {} } });
      defaults = (await req("GET", "/api/v1/images/config", w.admin.token)).body;
    }, 30_000);
    afterAll(async () => {
      await w.close();
      a1111.stop();
      comfy.stop();
      gemini.stop();
    }, 30_000);

    const req = (method: string, path: string, token?: string, body?: unknown) => w.t.request(method, path, { token, body });
    /** The whole settings form, as the admin page sends it, with some parts changed. */
    const configure = async (changes: Record<string, any>) => {
      const current = (await req("GET", "/api/v1/images/config", w.admin.token)).body;
      const body = { ...current };
      for (const [key, value] of Object.entries(changes)) {
        body[key] = typeof value === "object" && value !== null ? { ...current[key], ...value } : value;
      }
      const res = await req("POST", "/api/v1/images/config/update", w.admin.token, body);
      expect(res.status).toBe(200);
      return res.body;
    };
    const useOpenAI = () =>
      configure({ enabled: true, engine: "openai", openai: { OPENAI_API_BASE_URL: w.openai.url, OPENAI_API_KEY: "sk-images", OPENAI_API_VERSION: "" } });
    const generate = (body: unknown, token = w.user.token) => req("POST", "/api/v1/images/generations", token, body);
    const imageRequests = () => w.openai.requests.filter((r) => r.path === "/v1/images/generations");

    beforeEach(async () => {
      w.openai.options.images = {};
      a1111.failing = false;
      comfy.failing = false;
      comfy.executionError = false;
      await w.t.ctx.config.set({ IMAGE_GENERATION_MODEL: "", IMAGE_SIZE: "512x512", IMAGE_STEPS: 50 });
    });

    test("the defaults match the reference's", () => {
      expect(defaults).toMatchObject({
        enabled: false,
        engine: "openai",
        prompt_generation: true,
        // OPENAI_API_BASE_URLS (the connections) is not the images default; OPENAI_API_BASE_URL would be.
        openai: { OPENAI_API_BASE_URL: "https://api.openai.com/v1", OPENAI_API_VERSION: "", OPENAI_API_KEY: "" },
        automatic1111: { AUTOMATIC1111_BASE_URL: "", AUTOMATIC1111_API_AUTH: "", AUTOMATIC1111_CFG_SCALE: null, AUTOMATIC1111_SAMPLER: null, AUTOMATIC1111_SCHEDULER: null },
        comfyui: { COMFYUI_BASE_URL: "", COMFYUI_API_KEY: "", COMFYUI_WORKFLOW_NODES: [] },
        gemini: { GEMINI_API_BASE_URL: "", GEMINI_API_KEY: "" },
      });
      expect(JSON.parse(defaults.comfyui.COMFYUI_WORKFLOW)["4"].class_type).toBe("CheckpointLoaderSimple");
    });

    test("image settings: defaults, checks, saved", async () => {
      expect((await req("GET", "/api/v1/images/image/config", w.admin.token)).body).toEqual({ MODEL: "", IMAGE_SIZE: "512x512", IMAGE_STEPS: 50 });
      const update = (body: unknown) => req("POST", "/api/v1/images/image/config/update", w.admin.token, body);
      const auto = await update({ MODEL: "dall-e-3", IMAGE_SIZE: "auto", IMAGE_STEPS: 10 });
      expect([auto.status, auto.body.detail]).toEqual([400, "Invalid format. Please use the correct format  (auto is only allowed with gpt-image-1)."]);
      const size = await update({ MODEL: "dall-e-3", IMAGE_SIZE: "big", IMAGE_STEPS: 10 });
      expect([size.status, size.body.detail]).toEqual([400, "Invalid format. Please use the correct format  (e.g., 512x512)."]);
      const steps = await update({ MODEL: "dall-e-3", IMAGE_SIZE: "256x256", IMAGE_STEPS: -1 });
      expect([steps.status, steps.body.detail]).toEqual([400, "Invalid format. Please use the correct format  (e.g., 50)."]);
      expect((await update({ MODEL: "dall-e-3", IMAGE_SIZE: "256x256" })).status).toBe(422);
      expect((await update({ MODEL: "dall-e-3", IMAGE_SIZE: "256x256", IMAGE_STEPS: "many" })).status).toBe(422);
      // Nothing of the refused updates was kept.
      expect((await req("GET", "/api/v1/images/image/config", w.admin.token)).body).toEqual({ MODEL: "", IMAGE_SIZE: "512x512", IMAGE_STEPS: 50 });
      const ok = await update({ MODEL: "gpt-image-1", IMAGE_SIZE: "auto", IMAGE_STEPS: 20 });
      expect([ok.status, ok.body]).toEqual([200, { MODEL: "gpt-image-1", IMAGE_SIZE: "auto", IMAGE_STEPS: 20 }]);
      const stored = await w.t.ctx.config.exportStored();
      expect((stored as any).image_generation).toMatchObject({ model: "gpt-image-1", size: "auto", steps: 20 });
    });

    test("engine settings are saved at the reference's paths and survive a restart", async () => {
      const saved = await configure({
        enabled: true,
        engine: "comfyui",
        prompt_generation: false,
        automatic1111: { AUTOMATIC1111_CFG_SCALE: "7.5", AUTOMATIC1111_SAMPLER: "", AUTOMATIC1111_SCHEDULER: "karras" },
        comfyui: { COMFYUI_BASE_URL: "http://comfy.example:8188/", COMFYUI_WORKFLOW_NODES: [{ type: "prompt", key: "text", node_ids: ["6"] }] },
        gemini: { GEMINI_API_BASE_URL: "https://gemini.example/v1beta", GEMINI_API_KEY: "g-key" },
      });
      expect(saved).toMatchObject({
        enabled: true,
        engine: "comfyui",
        prompt_generation: false,
        automatic1111: { AUTOMATIC1111_CFG_SCALE: 7.5, AUTOMATIC1111_SAMPLER: null, AUTOMATIC1111_SCHEDULER: "karras" },
        comfyui: { COMFYUI_BASE_URL: "http://comfy.example:8188", COMFYUI_WORKFLOW_NODES: [{ type: "prompt", key: "text", node_ids: ["6"] }] },
        gemini: { GEMINI_API_BASE_URL: "https://gemini.example/v1beta", GEMINI_API_KEY: "g-key" },
      });
      const stored = (await w.t.ctx.config.exportStored()) as any;
      expect(stored.image_generation).toMatchObject({
        enable: true,
        engine: "comfyui",
        prompt: { enable: false },
        automatic1111: { cfg_scale: 7.5, sampler: null, scheduler: "karras" },
        comfyui: { base_url: "http://comfy.example:8188", nodes: [{ type: "prompt", key: "text", node_ids: ["6"] }] },
        gemini: { api_base_url: "https://gemini.example/v1beta", api_key: "g-key" },
      });
      const again = await openTestApp(w.t.database, {});
      try {
        expect((await again.request("GET", "/api/v1/images/config", { token: w.admin.token })).body).toEqual(saved);
      } finally {
        await again.ctx.close();
      }
      const bad = await req("POST", "/api/v1/images/config/update", w.admin.token, { ...saved, automatic1111: { ...saved.automatic1111, AUTOMATIC1111_CFG_SCALE: "lots" } });
      expect([bad.status, bad.body.detail]).toEqual([400, "[ERROR: could not convert string to float: 'lots']"]);
      expect((await req("POST", "/api/v1/images/config/update", w.admin.token, { ...saved, openai: undefined })).status).toBe(422);
      expect((await req("POST", "/api/v1/images/config/update", w.admin.token, { ...saved, enabled: "perhaps" })).status).toBe(422);
      expect((await req("GET", "/api/v1/images/config", w.admin.token)).body).toEqual(saved);
    });

    test("only admins read and change settings; verified users list models", async () => {
      for (const path of ["/api/v1/images/config", "/api/v1/images/image/config", "/api/v1/images/config/url/verify"]) {
        const res = await req("GET", path, w.user.token);
        expect([res.status, res.body.detail]).toEqual([401, PROHIBITED]);
      }
      expect((await req("POST", "/api/v1/images/config/update", w.user.token, defaults)).status).toBe(401);
      expect((await req("GET", "/api/v1/images/models", w.pending.token)).status).toBe(401);
      await useOpenAI();
      expect((await req("GET", "/api/v1/images/models", w.user.token)).body).toEqual([
        { id: "dall-e-2", name: "DALL·E 2" },
        { id: "dall-e-3", name: "DALL·E 3" },
        { id: "gpt-image-1", name: "GPT-IMAGE 1" },
      ]);
      await configure({ engine: "gemini" });
      expect((await req("GET", "/api/v1/images/models", w.user.token)).body).toEqual([{ id: "imagen-3.0-generate-002", name: "imagen-3.0 generate-002" }]);
    });

    test("openai: base64 images become the user's files", async () => {
      await useOpenAI();
      const res = await generate({ prompt: "a red fox in snow", n: 2 });
      expect(res.status).toBe(200);
      expect(res.body).toHaveLength(2);
      const sent = imageRequests().at(-1)!;
      expect(sent.headers.authorization).toBe("Bearer sk-images");
      expect(sent.body).toEqual({ model: "dall-e-2", prompt: "a red fox in snow", n: 2, size: "512x512", response_format: "b64_json" });
      const [first] = res.body as { url: string }[];
      expect(first!.url).toMatch(/^\/api\/v1\/files\/[0-9a-f-]{36}\/content$/);
      const content = await w.t.app.handle(new Request(`http://localhost${first!.url}`, { headers: { authorization: `Bearer ${w.user.token}` } }));
      expect(content.status).toBe(200);
      expect(new Uint8Array(await content.arrayBuffer())).toEqual(PNG_BYTES);
      const id = first!.url.split("/")[4]!;
      const file = (await req("GET", `/api/v1/files/${id}`, w.user.token)).body;
      expect(file).toMatchObject({ user_id: w.user.id, filename: "generated-image.png", meta: { content_type: "image/png", data: { prompt: "a red fox in snow" } } });
      expect((await req("GET", `/api/v1/files/${id}`, w.other.token)).status).toBe(404);
    });

    test("openai: the configured model, size and API version are sent; gpt-image-1 gets no response_format", async () => {
      await useOpenAI();
      await configure({ openai: { OPENAI_API_VERSION: "2024-02-01" } });
      await w.t.ctx.config.set({ IMAGE_GENERATION_MODEL: "gpt-image-1", IMAGE_SIZE: "1024x1024" });
      expect((await generate({ prompt: "a lighthouse", size: "256x256" })).status).toBe(200);
      const sent = imageRequests().at(-1)!;
      expect(sent.body).toEqual({ model: "gpt-image-1", prompt: "a lighthouse", n: 1, size: "256x256" });
      expect(sent.query).toBe("?api-version=2024-02-01");
      await configure({ openai: { OPENAI_API_VERSION: "" } });
    });

    test("openai: an image URL on the engine's host is downloaded; one elsewhere on the local network is refused", async () => {
      await useOpenAI();
      w.openai.options.images = { format: "url" };
      const res = await generate({ prompt: "a kite" });
      expect(res.status).toBe(200);
      const download = w.openai.requests.at(-1)!;
      expect(download.path).toBe("/v1/images/files/generated.png");
      expect(download.headers.authorization).toBe("Bearer sk-images");
      w.openai.options.images = { format: "url", url: `${a1111.url}/secret.png` };
      const refused = await generate({ prompt: "a kite" });
      expect(refused.status).toBe(400);
      expect(refused.body.detail).toContain("local or private network");
      expect(a1111.requests.some((r) => r.path === "/secret.png")).toBe(false);
    });

    test("openai: the engine's error is shown; bad input is refused", async () => {
      await useOpenAI();
      w.openai.options.images = { error: { status: 400, body: { error: { message: "Your request was rejected by the safety system." } } } };
      const res = await generate({ prompt: "something" });
      expect([res.status, res.body.detail]).toEqual([400, "[ERROR: Your request was rejected by the safety system.]"]);
      w.openai.options.images = {};
      expect((await generate({})).status).toBe(422);
      expect((await generate({ prompt: 42 })).status).toBe(422);
      expect((await generate({ prompt: "x", n: "two" })).status).toBe(422);
      const size = await generate({ prompt: "x", size: "axb" });
      expect(size.status).toBe(400);
      await configure({ openai: { OPENAI_API_BASE_URL: "http://127.0.0.1:9/v1" } });
      const down = await generate({ prompt: "x" });
      expect(down.status).toBe(400);
      expect(down.body.detail).toMatch(/^\[ERROR: could not reach/);
    });

    test("generating needs image generation on, and the feature permission for users", async () => {
      await useOpenAI();
      await configure({ enabled: false });
      const off = await generate({ prompt: "x" });
      expect([off.status, off.body.detail]).toEqual([400, "Image generation is disabled"]);
      await configure({ enabled: true });
      const permissions = structuredClone(w.t.ctx.config.get("USER_PERMISSIONS")) as any;
      await w.t.ctx.config.set({ USER_PERMISSIONS: { ...permissions, features: { ...permissions.features, image_generation: false } } as any });
      try {
        const refused = await generate({ prompt: "x" });
        expect([refused.status, refused.body.detail]).toEqual([403, PROHIBITED]);
        expect((await generate({ prompt: "x" }, w.admin.token)).status).toBe(200);
      } finally {
        await w.t.ctx.config.set({ USER_PERMISSIONS: permissions });
      }
      expect((await generate({ prompt: "x" }, w.pending.token)).status).toBe(401);
    });

    test("automatic1111: models, verify, model switch and txt2img", async () => {
      await configure({
        enabled: true,
        engine: "automatic1111",
        automatic1111: { AUTOMATIC1111_BASE_URL: a1111.url, AUTOMATIC1111_API_AUTH: "me:secret", AUTOMATIC1111_CFG_SCALE: 7, AUTOMATIC1111_SAMPLER: "Euler a", AUTOMATIC1111_SCHEDULER: null },
      });
      expect((await req("GET", "/api/v1/images/config/url/verify", w.admin.token)).body).toBe(true);
      expect(a1111.requests.at(-1)!.headers.authorization).toBe(`Basic ${btoa("me:secret")}`);
      expect((await req("GET", "/api/v1/images/models", w.user.token)).body).toEqual([
        { id: "v1-5.safetensors [abc]", name: "v1-5" },
        { id: "xl.safetensors [def]", name: "xl" },
      ]);
      const model = await req("POST", "/api/v1/images/image/config/update", w.admin.token, { MODEL: "xl.safetensors [def]", IMAGE_SIZE: "640x480", IMAGE_STEPS: 12 });
      expect(model.body).toEqual({ MODEL: "xl.safetensors [def]", IMAGE_SIZE: "640x480", IMAGE_STEPS: 12 });
      expect(a1111.options).toEqual({ sd_model_checkpoint: "xl.safetensors [def]", CLIP_stop_at_last_layers: 1 });
      // A user's request cannot switch the server-wide checkpoint.
      const res = await generate({ prompt: "a castle", negative_prompt: "fog", model: "v1-5.safetensors [abc]" });
      expect(res.status).toBe(200);
      expect(res.body).toHaveLength(1);
      expect(a1111.options.sd_model_checkpoint).toBe("xl.safetensors [def]");
      const txt2img = a1111.requests.filter((r) => r.path === "/sdapi/v1/txt2img").at(-1)!;
      expect(txt2img.body).toEqual({ prompt: "a castle", batch_size: 1, width: 640, height: 480, steps: 12, negative_prompt: "fog", cfg_scale: 7, sampler_name: "Euler a" });
      const id = res.body[0].url.split("/")[4];
      expect((await req("GET", `/api/v1/files/${id}`, w.user.token)).body.meta.data).toMatchObject({ prompt: "a castle", info: '{"seed": 42}' });
    });

    test("automatic1111: an engine that is down is reported, and verify switches generation off", async () => {
      await configure({ enabled: true, engine: "automatic1111", automatic1111: { AUTOMATIC1111_BASE_URL: a1111.url } });
      a1111.failing = true;
      const models = await req("GET", "/api/v1/images/models", w.user.token);
      expect([models.status, models.body.detail]).toEqual([400, "[ERROR: OutOfMemoryError]"]);
      const gen = await generate({ prompt: "x" });
      expect([gen.status, gen.body.detail]).toEqual([400, "[ERROR: OutOfMemoryError]"]);
      const verify = await req("GET", "/api/v1/images/config/url/verify", w.admin.token);
      expect([verify.status, verify.body.detail]).toEqual([400, "Oops! The URL you provided is invalid. Please double-check and try again."]);
      expect((await req("GET", "/api/v1/images/config", w.admin.token)).body.enabled).toBe(false);
      const model = await req("POST", "/api/v1/images/image/config/update", w.admin.token, { MODEL: "v1", IMAGE_SIZE: "512x512", IMAGE_STEPS: 5 });
      expect(model.status).toBe(400);
      expect((await req("GET", "/api/v1/images/image/config", w.admin.token)).body.MODEL).toBe("");
    });

    test("comfyui: the workflow is filled, queued, followed on the websocket and its image stored", async () => {
      const nodes = [
        { type: "model", key: "ckpt_name", node_ids: ["4"] },
        { type: "prompt", key: "text", node_ids: ["6"] },
        { type: "negative_prompt", key: "text", node_ids: ["7"] },
        { type: "width", key: "width", node_ids: ["5"] },
        { type: "height", key: "height", node_ids: ["5"] },
        { type: "n", key: "batch_size", node_ids: ["5"] },
        { type: "steps", key: "steps", node_ids: ["3"] },
        { type: "seed", key: "seed", node_ids: ["3"] },
      ];
      await configure({ enabled: true, engine: "comfyui", comfyui: { COMFYUI_BASE_URL: comfy.url, COMFYUI_API_KEY: "c-key", COMFYUI_WORKFLOW_NODES: nodes } });
      expect((await req("GET", "/api/v1/images/config/url/verify", w.admin.token)).body).toBe(true);
      expect((await req("GET", "/api/v1/images/models", w.user.token)).body).toEqual([
        { id: "sd15.safetensors", name: "sd15.safetensors" },
        { id: "sdxl.safetensors", name: "sdxl.safetensors" },
      ]);
      await req("POST", "/api/v1/images/image/config/update", w.admin.token, { MODEL: "sdxl.safetensors", IMAGE_SIZE: "768x512", IMAGE_STEPS: 8 });
      const res = await generate({ prompt: "a harbour at dusk", negative_prompt: "people" });
      expect(res.status).toBe(200);
      expect(res.body).toHaveLength(1);
      const graph = comfy.prompts.at(-1)!;
      expect(graph["4"].inputs.ckpt_name).toBe("sdxl.safetensors");
      expect(graph["6"].inputs.text).toBe("a harbour at dusk");
      expect(graph["7"].inputs.text).toBe("people");
      expect(graph["5"].inputs).toEqual({ width: 768, height: 512, batch_size: 1 });
      expect(graph["3"].inputs.steps).toBe(8);
      expect(typeof graph["3"].inputs.seed).toBe("number");
      expect(comfy.requests.find((r) => r.path === "/view")!.headers.authorization).toBe("Bearer c-key");
      comfy.executionError = true;
      const failed = await generate({ prompt: "x" });
      expect([failed.status, failed.body.detail]).toEqual([400, "[ERROR: model not found]"]);
      comfy.executionError = false;
      await configure({ comfyui: { COMFYUI_WORKFLOW: "not json" } });
      const broken = await generate({ prompt: "x" });
      expect([broken.status, broken.body.detail]).toEqual([400, "[ERROR: The ComfyUI workflow is not valid JSON]"]);
      await configure({ comfyui: { COMFYUI_WORKFLOW: defaults.comfyui.COMFYUI_WORKFLOW, COMFYUI_WORKFLOW_NODES: [] } });
      comfy.failing = true;
      const verify = await req("GET", "/api/v1/images/config/url/verify", w.admin.token);
      expect(verify.status).toBe(400);
    });

    test("gemini: predict with the API key, images stored", async () => {
      await configure({ enabled: true, engine: "gemini", gemini: { GEMINI_API_BASE_URL: gemini.url, GEMINI_API_KEY: "g-key" } });
      const res = await generate({ prompt: "a teapot", n: 2 });
      expect(res.status).toBe(200);
      expect(res.body).toHaveLength(2);
      const sent = gemini.requests.at(-1)!;
      expect(sent.path).toBe("/v1beta/models/imagen-3.0-generate-002:predict");
      expect(sent.headers["x-goog-api-key"]).toBe("g-key");
      expect(sent.body).toEqual({ instances: { prompt: "a teapot" }, parameters: { sampleCount: 2, outputOptions: { mimeType: "image/png" } } });
      gemini.failing = true;
      const failed = await generate({ prompt: "a teapot" });
      expect([failed.status, failed.body.detail]).toEqual([400, "[ERROR: API key not valid]"]);
      gemini.failing = false;
    });

    test("an engine this server does not know is refused clearly", async () => {
      await configure({ enabled: true, engine: "dalle-local" });
      expect((await req("GET", "/api/v1/images/models", w.user.token)).body).toBeNull();
      const res = await generate({ prompt: "x" });
      expect([res.status, res.body.detail]).toEqual([400, '[ERROR: The image generation engine "dalle-local" is not supported]']);
    });
  });
}
