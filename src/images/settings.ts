// The image generation settings of Open WebUI's PersistentConfig registry (config.py at 0.6.32):
// attribute name, path in the stored config JSON, and the environment default. Spread into
// REGISTRY by src/core/config.ts, where ENABLE_IMAGE_GENERATION already is.
import { parseBool, parseInteger, type Source } from "../core/env";

type Entry<T> = { path: string; fromEnv: (source: Source) => T };
const entry = <T>(path: string, fromEnv: (source: Source) => T): Entry<T> => ({ path, fromEnv });

const text = (name: string, fallback = "") => (s: Source) => s[name] ?? fallback;
const textOrNull = (name: string) => (s: Source): string | null => s[name] || null;
const floatOrNull = (name: string) => (s: Source): number | null => {
  const value = Number(s[name]);
  return s[name] && Number.isFinite(value) ? value : null;
};

export interface WorkflowNode {
  type?: string | null;
  key?: string | null;
  node_ids?: string[];
  value?: string | null;
}

/** ComfyUI's stock text-to-image graph in its API format, as the frontend shows it. */
const DEFAULT_WORKFLOW_GRAPH = {
  "3": {
    inputs: {
      seed: 0,
      steps: 20,
      cfg: 8,
      sampler_name: "euler",
      scheduler: "normal",
      denoise: 1,
      model: ["4", 0],
      positive: ["6", 0],
      negative: ["7", 0],
      latent_image: ["5", 0],
    },
    class_type: "KSampler",
    _meta: { title: "KSampler" },
  },
  "4": { inputs: { ckpt_name: "model.safetensors" }, class_type: "CheckpointLoaderSimple", _meta: { title: "Load Checkpoint" } },
  "5": { inputs: { width: 512, height: 512, batch_size: 1 }, class_type: "EmptyLatentImage", _meta: { title: "Empty Latent Image" } },
  "6": { inputs: { text: "Prompt", clip: ["4", 1] }, class_type: "CLIPTextEncode", _meta: { title: "CLIP Text Encode (Prompt)" } },
  "7": { inputs: { text: "", clip: ["4", 1] }, class_type: "CLIPTextEncode", _meta: { title: "CLIP Text Encode (Prompt)" } },
  "8": { inputs: { samples: ["3", 0], vae: ["4", 2] }, class_type: "VAEDecode", _meta: { title: "VAE Decode" } },
  "9": { inputs: { filename_prefix: "ComfyUI", images: ["8", 0] }, class_type: "SaveImage", _meta: { title: "Save Image" } },
};

export const DEFAULT_COMFYUI_WORKFLOW = `\n${JSON.stringify(DEFAULT_WORKFLOW_GRAPH, null, 2)}\n`;

export const IMAGES_REGISTRY = {
  IMAGE_GENERATION_ENGINE: entry("image_generation.engine", text("IMAGE_GENERATION_ENGINE", "openai")),
  ENABLE_IMAGE_PROMPT_GENERATION: entry("image_generation.prompt.enable", (s) => parseBool(s, "ENABLE_IMAGE_PROMPT_GENERATION", true)),
  AUTOMATIC1111_BASE_URL: entry("image_generation.automatic1111.base_url", text("AUTOMATIC1111_BASE_URL")),
  AUTOMATIC1111_API_AUTH: entry("image_generation.automatic1111.api_auth", (s): string | null => s.AUTOMATIC1111_API_AUTH ?? ""),
  AUTOMATIC1111_CFG_SCALE: entry("image_generation.automatic1111.cfg_scale", floatOrNull("AUTOMATIC1111_CFG_SCALE")),
  AUTOMATIC1111_SAMPLER: entry("image_generation.automatic1111.sampler", textOrNull("AUTOMATIC1111_SAMPLER")),
  AUTOMATIC1111_SCHEDULER: entry("image_generation.automatic1111.scheduler", textOrNull("AUTOMATIC1111_SCHEDULER")),
  COMFYUI_BASE_URL: entry("image_generation.comfyui.base_url", text("COMFYUI_BASE_URL")),
  COMFYUI_API_KEY: entry("image_generation.comfyui.api_key", text("COMFYUI_API_KEY")),
  COMFYUI_WORKFLOW: entry("image_generation.comfyui.workflow", text("COMFYUI_WORKFLOW", DEFAULT_COMFYUI_WORKFLOW)),
  // Not read from the environment in the reference either.
  COMFYUI_WORKFLOW_NODES: entry("image_generation.comfyui.nodes", (): WorkflowNode[] => []),
  IMAGES_OPENAI_API_BASE_URL: entry("image_generation.openai.api_base_url", (s) =>
    s.IMAGES_OPENAI_API_BASE_URL ?? (s.OPENAI_API_BASE_URL || "https://api.openai.com/v1")),
  IMAGES_OPENAI_API_VERSION: entry("image_generation.openai.api_version", text("IMAGES_OPENAI_API_VERSION")),
  IMAGES_OPENAI_API_KEY: entry("image_generation.openai.api_key", (s) => s.IMAGES_OPENAI_API_KEY ?? s.OPENAI_API_KEY ?? ""),
  IMAGES_GEMINI_API_BASE_URL: entry("image_generation.gemini.api_base_url", (s) => s.IMAGES_GEMINI_API_BASE_URL ?? s.GEMINI_API_BASE_URL ?? ""),
  IMAGES_GEMINI_API_KEY: entry("image_generation.gemini.api_key", (s) => s.IMAGES_GEMINI_API_KEY ?? s.GEMINI_API_KEY ?? ""),
  IMAGE_SIZE: entry("image_generation.size", text("IMAGE_SIZE", "512x512")),
  IMAGE_STEPS: entry("image_generation.steps", (s) => parseInteger(s, "IMAGE_STEPS", 50)),
  IMAGE_GENERATION_MODEL: entry("image_generation.model", text("IMAGE_GENERATION_MODEL")),
};
