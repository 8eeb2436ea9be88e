// AUTOMATIC1111's Stable Diffusion web UI API: /sdapi/v1/txt2img, its models and its options
// (the current checkpoint is a server-wide option there).
import type { AppContext } from "../../context";
import { isRecord } from "../../chat/payload";
import { decodeBase64Image } from "../image-data";
import { engineJson, ImageError, withoutTrailingSlash } from "../http";
import type { EngineContext, EngineResult, ImageJob, ImageModel } from "./types";

function base(ctx: AppContext): string {
  return withoutTrailingSlash(ctx.config.get("AUTOMATIC1111_BASE_URL"));
}

/** AUTOMATIC1111_API_AUTH is "user:password" for HTTP basic auth. */
function authHeaders(ctx: AppContext): Record<string, string> {
  const auth = ctx.config.get("AUTOMATIC1111_API_AUTH");
  return auth ? { authorization: `Basic ${Buffer.from(auth, "utf8").toString("base64")}` } : {};
}

async function options(ctx: AppContext): Promise<Record<string, unknown>> {
  const answer = await engineJson(ctx, `${base(ctx)}/sdapi/v1/options`, { headers: authHeaders(ctx) });
  if (!isRecord(answer)) throw new ImageError("AUTOMATIC1111 answered without options");
  return answer;
}

/** The verify route's check: the options answer. */
export async function automatic1111Reachable(ctx: AppContext): Promise<void> {
  await options(ctx);
}

export async function automatic1111CurrentModel(ctx: AppContext): Promise<unknown> {
  return (await options(ctx)).sd_model_checkpoint;
}

/** set_image_model: switches the server's checkpoint when it differs. */
export async function automatic1111SetModel(ctx: AppContext, model: string): Promise<void> {
  const current = await options(ctx);
  if (current.sd_model_checkpoint === model) return;
  await engineJson(ctx, `${base(ctx)}/sdapi/v1/options`, { body: { ...current, sd_model_checkpoint: model }, headers: authHeaders(ctx) });
}

export async function automatic1111Models(ctx: AppContext): Promise<ImageModel[]> {
  const answer = await engineJson(ctx, `${base(ctx)}/sdapi/v1/sd-models`, { headers: authHeaders(ctx) });
  if (!Array.isArray(answer)) throw new ImageError("AUTOMATIC1111 answered without a model list");
  return answer.filter(isRecord).map((m) => ({ id: String(m.title), name: String(m.model_name) }));
}

export async function automatic1111Generate({ ctx }: EngineContext, job: ImageJob): Promise<EngineResult> {
  const data: Record<string, unknown> = { prompt: job.prompt, batch_size: job.n, width: job.width, height: job.height };
  const steps = ctx.config.get("IMAGE_STEPS");
  if (steps !== null && steps !== undefined) data.steps = steps;
  if (job.negativePrompt !== null) data.negative_prompt = job.negativePrompt;
  const cfgScale = ctx.config.get("AUTOMATIC1111_CFG_SCALE");
  if (cfgScale) data.cfg_scale = cfgScale;
  const sampler = ctx.config.get("AUTOMATIC1111_SAMPLER");
  if (sampler) data.sampler_name = sampler;
  const scheduler = ctx.config.get("AUTOMATIC1111_SCHEDULER");
  if (scheduler) data.scheduler = scheduler;
  const answer = await engineJson(ctx, `${base(ctx)}/sdapi/v1/txt2img`, { body: data, headers: authHeaders(ctx) });
  if (!isRecord(answer) || !Array.isArray(answer.images)) throw new ImageError("AUTOMATIC1111 answered without images");
  return { images: answer.images.map(decodeBase64Image), metadata: { ...data, info: answer.info } };
}
