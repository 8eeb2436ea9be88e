// GET /models and GET /voices: what the configured TTS engine offers (get_available_models,
// get_available_voices). Lists never fail: an unreachable service gives the defaults or nothing.
import type { AppContext } from "../context";
import type { UpstreamSettings } from "../core/upstream";
import { getJson, isRecord, listTimeout } from "./http";
import { textSetting } from "./settings";

const OPENAI_MODELS = [{ id: "tts-1" }, { id: "tts-1-hd" }];
const OPENAI_VOICES = Object.fromEntries(["alloy", "echo", "fable", "onyx", "nova", "shimmer"].map((v) => [v, v]));
const ELEVENLABS_VOICES_TTL_MS = 10 * 60_000;

/** ELEVENLABS_API_BASE_URL (ours; later Open WebUI versions read it too) moves the service, e.g. to a proxy. */
export function elevenlabsBase(ctx: AppContext): string {
  return (ctx.env.raw.ELEVENLABS_API_BASE_URL || "https://api.elevenlabs.io").replace(/\/+$/, "");
}

/** A server of its own (not api.openai.com) may list its models and voices under /audio. */
function customOpenai(ctx: AppContext): { base: string; headers: Record<string, string> } | null {
  const base = textSetting(ctx.config, "TTS_OPENAI_API_BASE_URL");
  if (base.startsWith("https://api.openai.com")) return null;
  const key = textSetting(ctx.config, "TTS_OPENAI_API_KEY");
  return { base, headers: key ? { Authorization: `Bearer ${key}` } : {} };
}

export async function ttsModels(ctx: AppContext, settings: UpstreamSettings): Promise<unknown[]> {
  const engine = textSetting(ctx.config, "TTS_ENGINE");
  if (engine === "openai") {
    const custom = customOpenai(ctx);
    if (!custom) return OPENAI_MODELS;
    const answer = await getJson(`${custom.base}/audio/models`, custom.headers, listTimeout(settings));
    if (!isRecord(answer)) return OPENAI_MODELS;
    return Array.isArray(answer.models) ? answer.models : [];
  }
  if (engine === "elevenlabs") {
    const key = textSetting(ctx.config, "TTS_API_KEY");
    const answer = await getJson(`${elevenlabsBase(ctx)}/v1/models`, { "xi-api-key": key }, listTimeout(settings));
    if (!Array.isArray(answer)) return [];
    return answer.filter(isRecord).map((model) => ({ name: model.name, id: model.model_id }));
  }
  return [];
}

/** voice id → voice name. */
export async function ttsVoices(ctx: AppContext, settings: UpstreamSettings): Promise<Record<string, string>> {
  const engine = textSetting(ctx.config, "TTS_ENGINE");
  if (engine === "openai") return openaiVoices(ctx, settings);
  if (engine === "elevenlabs") return elevenlabsVoices(ctx, settings);
  if (engine === "azure") return azureVoices(ctx, settings);
  return {};
}

async function openaiVoices(ctx: AppContext, settings: UpstreamSettings): Promise<Record<string, string>> {
  const custom = customOpenai(ctx);
  if (!custom) return OPENAI_VOICES;
  const answer = await getJson(`${custom.base}/audio/voices`, custom.headers, listTimeout(settings));
  const list = isRecord(answer) ? (answer.voices ?? []) : null;
  if (!Array.isArray(list) || !list.every((v) => isRecord(v) && "id" in v && "name" in v)) return OPENAI_VOICES;
  return Object.fromEntries(list.map((voice) => [String(voice.id), String(voice.name)]));
}

/** Kept per API key for a while (the reference keeps them for the life of the process). */
const elevenlabsCache = new Map<string, { voices: Record<string, string>; at: number }>();

async function elevenlabsVoices(ctx: AppContext, settings: UpstreamSettings): Promise<Record<string, string>> {
  const key = textSetting(ctx.config, "TTS_API_KEY");
  const cacheKey = `${elevenlabsBase(ctx)} ${key}`;
  const cached = elevenlabsCache.get(cacheKey);
  if (cached && Date.now() - cached.at < ELEVENLABS_VOICES_TTL_MS) return cached.voices;
  const answer = await getJson(`${elevenlabsBase(ctx)}/v1/voices`, { "xi-api-key": key }, listTimeout(settings));
  if (!isRecord(answer)) return {};
  const list = Array.isArray(answer.voices) ? answer.voices.filter(isRecord) : [];
  const voices = Object.fromEntries(list.map((voice) => [String(voice.voice_id), String(voice.name)]));
  elevenlabsCache.set(cacheKey, { voices, at: Date.now() });
  return voices;
}

async function azureVoices(ctx: AppContext, settings: UpstreamSettings): Promise<Record<string, string>> {
  const region = textSetting(ctx.config, "TTS_AZURE_SPEECH_REGION");
  const base = textSetting(ctx.config, "TTS_AZURE_SPEECH_BASE_URL") || `https://${region}.tts.speech.microsoft.com`;
  const key = textSetting(ctx.config, "TTS_API_KEY");
  const answer = await getJson(`${base}/cognitiveservices/voices/list`, { "Ocp-Apim-Subscription-Key": key }, listTimeout(settings));
  if (!Array.isArray(answer)) return {};
  const list = answer.filter((voice) => isRecord(voice) && typeof voice.ShortName === "string") as Record<string, unknown>[];
  return Object.fromEntries(list.map((voice) => [String(voice.ShortName), `${voice.DisplayName} (${voice.ShortName})`]));
}
