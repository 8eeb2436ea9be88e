// The OpenAI-compatible images API: POST {base}/images/generations, images as b64_json or url.
import { isRecord } from "../../chat/payload";
import { decodeBase64Image, downloadImage } from "../image-data";
import { engineJson, forwardedUserHeaders, ImageError, withoutTrailingSlash } from "../http";
import type { EngineContext, EngineResult, ImageJob, ImageModel } from "./types";

export const OPENAI_MODELS: ImageModel[] = [
  { id: "dall-e-2", name: "DALL·E 2" },
  { id: "dall-e-3", name: "DALL·E 3" },
  { id: "gpt-image-1", name: "GPT-IMAGE 1" },
];

export async function openaiGenerate({ ctx, user }: EngineContext, job: ImageJob, model: string): Promise<EngineResult> {
  const base = withoutTrailingSlash(ctx.config.get("IMAGES_OPENAI_API_BASE_URL"));
  const headers = {
    Authorization: `Bearer ${ctx.config.get("IMAGES_OPENAI_API_KEY")}`,
    ...forwardedUserHeaders(ctx, user),
  };
  // gpt-image-1 always answers base64 and refuses response_format (the configured model decides, as in the reference).
  const data = {
    model,
    prompt: job.prompt,
    n: job.n,
    size: job.requestedSize || ctx.config.get("IMAGE_SIZE"),
    ...(ctx.config.get("IMAGE_GENERATION_MODEL").includes("gpt-image-1") ? {} : { response_format: "b64_json" }),
  };
  const version = ctx.config.get("IMAGES_OPENAI_API_VERSION");
  const url = `${base}/images/generations${version ? `?api-version=${encodeURIComponent(version)}` : ""}`;
  const answer = await engineJson(ctx, url, { body: data, headers });
  const items = isRecord(answer) && Array.isArray(answer.data) ? answer.data.filter(isRecord) : null;
  if (!items) throw new ImageError("The images API answered without data");
  const images = [];
  for (const item of items) {
    images.push(item.url ? await downloadImage(item.url, { base, headers }) : decodeBase64Image(item.b64_json));
  }
  return { images, metadata: data };
}
