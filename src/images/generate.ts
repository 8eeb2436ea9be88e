// image_generations: the configured engine makes the images, each is stored as a file of the
// user (not processed for retrieval) and answered as {url: /api/v1/files/{id}/content}.
import type { AppContext } from "../context";
import { hasPermission } from "../chats/access";
import { defaultError, forbidden, HttpError } from "../core/errors";
import { uploadFile } from "../files/upload";
import type { UserRow } from "../users/repository";
import { automatic1111CurrentModel, automatic1111Generate, automatic1111SetModel } from "./engines/automatic1111";
import { comfyuiGenerate } from "./engines/comfyui";
import { geminiGenerate } from "./engines/gemini";
import { openaiGenerate } from "./engines/openai";
import type { EngineResult, ImageJob } from "./engines/types";
import { ImageError } from "./http";
import type { ImageData } from "./image-data";

export interface GenerateForm {
  model?: string | null;
  prompt: string;
  size?: string | null;
  n?: number;
  negative_prompt?: string | null;
}

/** An engine name the reference treats as AUTOMATIC1111 ("" is its old default). */
export function isAutomatic1111(engine: string): boolean {
  return engine === "automatic1111" || engine === "";
}

/** get_image_model: the configured model, or the engine's default (AUTOMATIC1111: its current checkpoint). */
export async function currentImageModel(ctx: AppContext): Promise<unknown> {
  const engine = ctx.config.get("IMAGE_GENERATION_ENGINE");
  const configured = ctx.config.get("IMAGE_GENERATION_MODEL");
  if (engine === "openai") return configured || "dall-e-2";
  if (engine === "gemini") return configured || "imagen-3.0-generate-002";
  if (engine === "comfyui") return configured || "";
  if (isAutomatic1111(engine)) return automatic1111CurrentModel(ctx);
  return null;
}

/** set_image_model: saved, and AUTOMATIC1111 switched to it. */
export async function setImageModel(ctx: AppContext, model: string): Promise<void> {
  if (isAutomatic1111(ctx.config.get("IMAGE_GENERATION_ENGINE"))) await automatic1111SetModel(ctx, model);
  await ctx.config.set({ IMAGE_GENERATION_MODEL: model });
}

/** Image generation is switched on and, for users, allowed by features.image_generation. */
export async function mayGenerateImages(ctx: AppContext, user: UserRow): Promise<boolean> {
  if (!ctx.config.get("ENABLE_IMAGE_GENERATION")) return false;
  return user.role === "admin" || (await hasPermission(ctx, user.id, "features.image_generation"));
}

/** "WxH" from the request, else from IMAGE_SIZE, else 512x512 ("auto" keeps the default). */
function dimensions(ctx: AppContext, requested: string | null): { width: number; height: number } {
  let size = "512x512";
  const configured = ctx.config.get("IMAGE_SIZE");
  if (configured && configured.includes("x")) size = configured;
  if (requested && requested.includes("x")) size = requested;
  const match = /^\s*(\d+)\s*x\s*(\d+)\s*$/.exec(size);
  if (!match) throw new HttpError(400, defaultError(`The image size ${size} is not WIDTHxHEIGHT`));
  return { width: Number(match[1]), height: Number(match[2]) };
}

const EXTENSIONS: Record<string, string> = {
  "image/png": ".png",
  "image/jpeg": ".jpg",
  "image/webp": ".webp",
  "image/gif": ".gif",
  "image/bmp": ".bmp",
  "image/tiff": ".tiff",
  "image/svg+xml": ".svg",
  "image/avif": ".avif",
};

/** Keeps an image as the user's file; returns its content URL. */
export async function storeImage(ctx: AppContext, user: UserRow, image: ImageData, metadata: Record<string, unknown>, stem = "generated-image"): Promise<string> {
  const name = `${stem}${EXTENSIONS[image.contentType] ?? ""}`;
  const file = new File([image.bytes], name, { type: image.contentType });
  const row = await uploadFile(ctx, user, file, { metadata, process: false, background: false });
  return `/api/v1/files/${row.id}/content`;
}

async function runEngine(ctx: AppContext, user: UserRow, form: GenerateForm, job: ImageJob): Promise<EngineResult> {
  const engine = ctx.config.get("IMAGE_GENERATION_ENGINE");
  const on = { ctx, user };
  switch (engine) {
    case "openai":
      return openaiGenerate(on, job, String(await currentImageModel(ctx)));
    case "gemini":
      return geminiGenerate(on, job, String(await currentImageModel(ctx)));
    case "comfyui":
      return comfyuiGenerate(on, job, String(await currentImageModel(ctx)));
    default:
      if (!isAutomatic1111(engine)) throw new ImageError(`The image generation engine "${engine}" is not supported`);
      // The checkpoint is server-wide on AUTOMATIC1111: only an admin's request may switch it.
      if (form.model && user.role === "admin") await setImageModel(ctx, form.model);
      return automatic1111Generate(on, job);
  }
}

export async function generateImages(ctx: AppContext, user: UserRow, form: GenerateForm): Promise<{ url: string }[]> {
  const requestedSize = form.size ?? null;
  const job: ImageJob = {
    prompt: form.prompt,
    n: form.n ?? 1,
    ...dimensions(ctx, requestedSize),
    requestedSize,
    negativePrompt: form.negative_prompt ?? null,
  };
  try {
    const { images, metadata } = await runEngine(ctx, user, form, job);
    const urls = [];
    for (const image of images) urls.push({ url: await storeImage(ctx, user, image, metadata) });
    return urls;
  } catch (error) {
    if (!(error instanceof ImageError)) ctx.log.warn("image generation failed", error);
    throw new HttpError(400, defaultError(error instanceof HttpError ? error.detail : error instanceof Error ? error.message : error));
  }
}

/** The route's refusal for callers who may not generate images. */
export async function assertMayGenerateImages(ctx: AppContext, user: UserRow): Promise<void> {
  if (!ctx.config.get("ENABLE_IMAGE_GENERATION")) throw new HttpError(400, "Image generation is disabled");
  if (!(await mayGenerateImages(ctx, user))) throw forbidden();
}
