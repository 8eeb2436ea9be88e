// Google's Imagen through the Gemini API: POST {base}/models/{model}:predict.
import { isRecord } from "../../chat/payload";
import { decodeBase64Image } from "../image-data";
import { engineJson, ImageError, withoutTrailingSlash } from "../http";
import type { EngineContext, EngineResult, ImageJob, ImageModel } from "./types";

export const GEMINI_MODELS: ImageModel[] = [{ id: "imagen-3.0-generate-002", name: "imagen-3.0 generate-002" }];

export async function geminiGenerate({ ctx }: EngineContext, job: ImageJob, model: string): Promise<EngineResult> {
  const base = withoutTrailingSlash(ctx.config.get("IMAGES_GEMINI_API_BASE_URL"));
  const data = {
    instances: { prompt: job.prompt },
    parameters: { sampleCount: job.n, outputOptions: { mimeType: "image/png" } },
  };
  const answer = await engineJson(ctx, `${base}/models/${model}:predict`, {
    body: data,
    headers: { "x-goog-api-key": ctx.config.get("IMAGES_GEMINI_API_KEY") },
  });
  const predictions = isRecord(answer) && Array.isArray(answer.predictions) ? answer.predictions.filter(isRecord) : null;
  if (!predictions) throw new ImageError("The Gemini API answered without predictions");
  return { images: predictions.map((p) => decodeBase64Image(p.bytesBase64Encoded)), metadata: data };
}
