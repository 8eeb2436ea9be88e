// /api/v1/images — the seven routes of Open WebUI's routers/images.py: the engine settings, the
// image settings (model, size, steps), the engine's models, and generating images.
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { defaultError, ERROR_MESSAGES, HttpError } from "../core/errors";
import { automatic1111Models, automatic1111Reachable } from "./engines/automatic1111";
import { comfyuiModels, comfyuiReachable } from "./engines/comfyui";
import { GEMINI_MODELS } from "./engines/gemini";
import { OPENAI_MODELS } from "./engines/openai";
import type { ImageModel } from "./engines/types";
import { assertMayGenerateImages, generateImages, isAutomatic1111, setImageModel } from "./generate";
import type { WorkflowNode } from "./settings";

const ConfigForm = t.Object({
  enabled: t.Boolean(),
  engine: t.String(),
  prompt_generation: t.Boolean(),
  openai: t.Object({ OPENAI_API_BASE_URL: t.String(), OPENAI_API_VERSION: t.String(), OPENAI_API_KEY: t.String() }),
  automatic1111: t.Object({
    AUTOMATIC1111_BASE_URL: t.String(),
    AUTOMATIC1111_API_AUTH: t.String(),
    AUTOMATIC1111_CFG_SCALE: t.Nullable(t.Union([t.String(), t.Number()])),
    AUTOMATIC1111_SAMPLER: t.Nullable(t.String()),
    AUTOMATIC1111_SCHEDULER: t.Nullable(t.String()),
  }),
  comfyui: t.Object({
    COMFYUI_BASE_URL: t.String(),
    COMFYUI_API_KEY: t.String(),
    COMFYUI_WORKFLOW: t.String(),
    COMFYUI_WORKFLOW_NODES: t.Array(t.Record(t.String(), t.Unknown())),
  }),
  gemini: t.Object({ GEMINI_API_BASE_URL: t.String(), GEMINI_API_KEY: t.String() }),
});

const ImageConfigForm = t.Object({ MODEL: t.String(), IMAGE_SIZE: t.String(), IMAGE_STEPS: t.Integer() });

const GenerateImageForm = t.Object({
  model: t.Optional(t.Nullable(t.String())),
  prompt: t.String(),
  size: t.Optional(t.Nullable(t.String())),
  n: t.Optional(t.Integer()),
  negative_prompt: t.Optional(t.Nullable(t.String())),
});

function configView(ctx: AppContext) {
  const c = ctx.config;
  return {
    enabled: c.get("ENABLE_IMAGE_GENERATION"),
    engine: c.get("IMAGE_GENERATION_ENGINE"),
    prompt_generation: c.get("ENABLE_IMAGE_PROMPT_GENERATION"),
    openai: {
      OPENAI_API_BASE_URL: c.get("IMAGES_OPENAI_API_BASE_URL"),
      OPENAI_API_VERSION: c.get("IMAGES_OPENAI_API_VERSION"),
      OPENAI_API_KEY: c.get("IMAGES_OPENAI_API_KEY"),
    },
    automatic1111: {
      AUTOMATIC1111_BASE_URL: c.get("AUTOMATIC1111_BASE_URL"),
      AUTOMATIC1111_API_AUTH: c.get("AUTOMATIC1111_API_AUTH"),
      AUTOMATIC1111_CFG_SCALE: c.get("AUTOMATIC1111_CFG_SCALE"),
      AUTOMATIC1111_SAMPLER: c.get("AUTOMATIC1111_SAMPLER"),
      AUTOMATIC1111_SCHEDULER: c.get("AUTOMATIC1111_SCHEDULER"),
    },
    comfyui: {
      COMFYUI_BASE_URL: c.get("COMFYUI_BASE_URL"),
      COMFYUI_API_KEY: c.get("COMFYUI_API_KEY"),
      COMFYUI_WORKFLOW: c.get("COMFYUI_WORKFLOW"),
      COMFYUI_WORKFLOW_NODES: c.get("COMFYUI_WORKFLOW_NODES"),
    },
    gemini: {
      GEMINI_API_BASE_URL: c.get("IMAGES_GEMINI_API_BASE_URL"),
      GEMINI_API_KEY: c.get("IMAGES_GEMINI_API_KEY"),
    },
  };
}

function imageConfigView(ctx: AppContext) {
  return {
    MODEL: ctx.config.get("IMAGE_GENERATION_MODEL"),
    IMAGE_SIZE: ctx.config.get("IMAGE_SIZE"),
    IMAGE_STEPS: ctx.config.get("IMAGE_STEPS"),
  };
}

/** float(value) if value else None; text that is not a number is refused. */
function cfgScale(value: string | number | null): number | null {
  if (value === null || value === "" || value === 0) return null;
  const parsed = typeof value === "number" ? value : Number(value.trim());
  if (!Number.isFinite(parsed) || (typeof value === "string" && value.trim() === "")) {
    throw new HttpError(400, defaultError(`could not convert string to float: '${value}'`));
  }
  return parsed;
}

type ConfigBody = typeof ConfigForm.static;

async function updateConfig(ctx: AppContext, body: ConfigBody) {
  await ctx.config.set({
    IMAGE_GENERATION_ENGINE: body.engine,
    ENABLE_IMAGE_GENERATION: body.enabled,
    ENABLE_IMAGE_PROMPT_GENERATION: body.prompt_generation,
    IMAGES_OPENAI_API_BASE_URL: body.openai.OPENAI_API_BASE_URL,
    IMAGES_OPENAI_API_VERSION: body.openai.OPENAI_API_VERSION,
    IMAGES_OPENAI_API_KEY: body.openai.OPENAI_API_KEY,
    IMAGES_GEMINI_API_BASE_URL: body.gemini.GEMINI_API_BASE_URL,
    IMAGES_GEMINI_API_KEY: body.gemini.GEMINI_API_KEY,
    AUTOMATIC1111_BASE_URL: body.automatic1111.AUTOMATIC1111_BASE_URL,
    AUTOMATIC1111_API_AUTH: body.automatic1111.AUTOMATIC1111_API_AUTH,
    AUTOMATIC1111_CFG_SCALE: cfgScale(body.automatic1111.AUTOMATIC1111_CFG_SCALE),
    AUTOMATIC1111_SAMPLER: body.automatic1111.AUTOMATIC1111_SAMPLER || null,
    AUTOMATIC1111_SCHEDULER: body.automatic1111.AUTOMATIC1111_SCHEDULER || null,
    COMFYUI_BASE_URL: body.comfyui.COMFYUI_BASE_URL.replace(/^\/+|\/+$/g, ""),
    COMFYUI_API_KEY: body.comfyui.COMFYUI_API_KEY,
    COMFYUI_WORKFLOW: body.comfyui.COMFYUI_WORKFLOW,
    COMFYUI_WORKFLOW_NODES: body.comfyui.COMFYUI_WORKFLOW_NODES as WorkflowNode[],
  });
  return configView(ctx);
}

/** The engine answers (AUTOMATIC1111's options, ComfyUI's object_info); if not, image generation is switched off. */
async function verifyUrl(ctx: AppContext): Promise<true> {
  const engine = ctx.config.get("IMAGE_GENERATION_ENGINE");
  const check = engine === "automatic1111" ? automatic1111Reachable : engine === "comfyui" ? comfyuiReachable : null;
  if (!check) return true;
  try {
    await check(ctx);
    return true;
  } catch {
    await ctx.config.set({ ENABLE_IMAGE_GENERATION: false });
    throw new HttpError(400, ERROR_MESSAGES.INVALID_URL);
  }
}

async function updateImageConfig(ctx: AppContext, body: typeof ImageConfigForm.static) {
  const size = body.IMAGE_SIZE;
  if (size === "auto" && body.MODEL !== "gpt-image-1") {
    throw new HttpError(400, incorrectFormat("  (auto is only allowed with gpt-image-1)."));
  }
  if (size !== "auto" && !/^\d+x\d+$/.test(size)) throw new HttpError(400, incorrectFormat("  (e.g., 512x512)."));
  if (body.IMAGE_STEPS < 0) throw new HttpError(400, incorrectFormat("  (e.g., 50)."));
  try {
    await setImageModel(ctx, body.MODEL);
  } catch (error) {
    throw new HttpError(400, defaultError(error));
  }
  await ctx.config.set({ IMAGE_SIZE: size, IMAGE_STEPS: body.IMAGE_STEPS });
  return imageConfigView(ctx);
}

/** ERROR_MESSAGES.INCORRECT_FORMAT(err). */
function incorrectFormat(err: string): string {
  return `Invalid format. Please use the correct format${err}`;
}

async function listModels(ctx: AppContext): Promise<ImageModel[] | null> {
  const engine = ctx.config.get("IMAGE_GENERATION_ENGINE");
  if (engine === "openai") return OPENAI_MODELS;
  if (engine === "gemini") return GEMINI_MODELS;
  try {
    if (engine === "comfyui") return await comfyuiModels(ctx);
    if (isAutomatic1111(engine)) return await automatic1111Models(ctx);
  } catch (error) {
    throw new HttpError(400, defaultError(error));
  }
  return null;
}

export function imagesRoutes(ctx: AppContext) {
  const detail = { tags: ["images"] };
  return new Elysia({ name: "images", prefix: "/api/v1/images" })
    .use(authGuard(ctx))
    .get("/config", () => configView(ctx), { auth: "admin", detail })
    .post("/config/update", ({ body }) => updateConfig(ctx, body), { auth: "admin", body: ConfigForm, detail })
    .get("/config/url/verify", () => verifyUrl(ctx), { auth: "admin", detail })
    .get("/image/config", () => imageConfigView(ctx), { auth: "admin", detail })
    .post("/image/config/update", ({ body }) => updateImageConfig(ctx, body), { auth: "admin", body: ImageConfigForm, detail })
    .get("/models", () => listModels(ctx), { auth: "verified", detail })
    .post(
      "/generations",
      async ({ body, user }) => {
        await assertMayGenerateImages(ctx, user);
        return generateImages(ctx, user, body);
      },
      { auth: "verified", body: GenerateImageForm, detail },
    );
}
