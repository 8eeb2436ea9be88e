// The audio settings of Open WebUI's PersistentConfig registry (config.py at 0.6.32): attribute
// name (as on app.state.config), path in the stored config JSON, environment default. Spread into
// REGISTRY by src/core/config.ts, where TTS_ENGINE, TTS_VOICE, TTS_SPLIT_ON and STT_ENGINE already
// are (GET /api/config shows them).
import type { AppConfig, ConfigKey } from "../core/config";
import type { Source } from "../core/env";

type Entry<T> = { path: string; fromEnv: (source: Source) => T };
const entry = <T>(path: string, fromEnv: (source: Source) => T): Entry<T> => ({ path, fromEnv });
const text = (name: string, fallback = "") => (s: Source) => s[name] ?? fallback;

export const OPENAI_URL = "https://api.openai.com/v1";

/**
 * config.py pairs the audio defaults with the key of the api.openai.com connection (whatever
 * OPENAI_API_BASE_URL says, the audio base URL defaults to OpenAI's own).
 */
function openaiKey(s: Source): string {
  const urls = (s.OPENAI_API_BASE_URLS || s.OPENAI_API_BASE_URL || OPENAI_URL).split(";").map((u) => u.trim().replace(/\/$/, "") || OPENAI_URL);
  const keys = (s.OPENAI_API_KEYS || s.OPENAI_API_KEY || "").split(";").map((k) => k.trim());
  const index = urls.indexOf(OPENAI_URL);
  return index === -1 ? "" : (keys[index] ?? "");
}

function contentTypes(s: Source): string[] {
  return (s.AUDIO_STT_SUPPORTED_CONTENT_TYPES ?? "")
    .split(",")
    .map((type) => type.trim())
    .filter(Boolean);
}

export const AUDIO_REGISTRY = {
  TTS_OPENAI_API_BASE_URL: entry("audio.tts.openai.api_base_url", text("AUDIO_TTS_OPENAI_API_BASE_URL", OPENAI_URL)),
  TTS_OPENAI_API_KEY: entry("audio.tts.openai.api_key", (s) => s.AUDIO_TTS_OPENAI_API_KEY ?? openaiKey(s)),
  TTS_API_KEY: entry("audio.tts.api_key", text("AUDIO_TTS_API_KEY")),
  TTS_MODEL: entry("audio.tts.model", text("AUDIO_TTS_MODEL", "tts-1")),
  TTS_AZURE_SPEECH_REGION: entry("audio.tts.azure.speech_region", text("AUDIO_TTS_AZURE_SPEECH_REGION")),
  TTS_AZURE_SPEECH_BASE_URL: entry("audio.tts.azure.speech_base_url", text("AUDIO_TTS_AZURE_SPEECH_BASE_URL")),
  TTS_AZURE_SPEECH_OUTPUT_FORMAT: entry(
    "audio.tts.azure.speech_output_format",
    text("AUDIO_TTS_AZURE_SPEECH_OUTPUT_FORMAT", "audio-24khz-160kbitrate-mono-mp3"),
  ),
  STT_OPENAI_API_BASE_URL: entry("audio.stt.openai.api_base_url", text("AUDIO_STT_OPENAI_API_BASE_URL", OPENAI_URL)),
  STT_OPENAI_API_KEY: entry("audio.stt.openai.api_key", (s) => s.AUDIO_STT_OPENAI_API_KEY ?? openaiKey(s)),
  STT_MODEL: entry("audio.stt.model", text("AUDIO_STT_MODEL")),
  STT_SUPPORTED_CONTENT_TYPES: entry("audio.stt.supported_content_types", contentTypes),
  WHISPER_MODEL: entry("audio.stt.whisper_model", text("WHISPER_MODEL", "base")),
  DEEPGRAM_API_KEY: entry("audio.stt.deepgram.api_key", text("DEEPGRAM_API_KEY")),
  AUDIO_STT_AZURE_API_KEY: entry("audio.stt.azure.api_key", text("AUDIO_STT_AZURE_API_KEY")),
  AUDIO_STT_AZURE_REGION: entry("audio.stt.azure.region", text("AUDIO_STT_AZURE_REGION")),
  AUDIO_STT_AZURE_LOCALES: entry("audio.stt.azure.locales", text("AUDIO_STT_AZURE_LOCALES")),
  AUDIO_STT_AZURE_BASE_URL: entry("audio.stt.azure.base_url", text("AUDIO_STT_AZURE_BASE_URL")),
  AUDIO_STT_AZURE_MAX_SPEAKERS: entry("audio.stt.azure.max_speakers", text("AUDIO_STT_AZURE_MAX_SPEAKERS")),
};

/** A stored setting as text: a database written elsewhere may hold another type. */
export function textSetting(config: AppConfig, key: ConfigKey): string {
  const value = config.get(key);
  return value === null || value === undefined ? "" : String(value);
}

export interface TtsForm {
  OPENAI_API_BASE_URL: string;
  OPENAI_API_KEY: string;
  API_KEY: string;
  ENGINE: string;
  MODEL: string;
  VOICE: string;
  SPLIT_ON: string;
  AZURE_SPEECH_REGION: string;
  AZURE_SPEECH_BASE_URL: string;
  AZURE_SPEECH_OUTPUT_FORMAT: string;
}

export interface SttForm {
  OPENAI_API_BASE_URL: string;
  OPENAI_API_KEY: string;
  ENGINE: string;
  MODEL: string;
  SUPPORTED_CONTENT_TYPES: string[];
  WHISPER_MODEL: string;
  DEEPGRAM_API_KEY: string;
  AZURE_API_KEY: string;
  AZURE_REGION: string;
  AZURE_LOCALES: string;
  AZURE_BASE_URL: string;
  AZURE_MAX_SPEAKERS: string;
}

/** The form's field → setting, per section (get_audio_config / update_audio_config). */
const TTS_FIELDS = {
  OPENAI_API_BASE_URL: "TTS_OPENAI_API_BASE_URL",
  OPENAI_API_KEY: "TTS_OPENAI_API_KEY",
  API_KEY: "TTS_API_KEY",
  ENGINE: "TTS_ENGINE",
  MODEL: "TTS_MODEL",
  VOICE: "TTS_VOICE",
  SPLIT_ON: "TTS_SPLIT_ON",
  AZURE_SPEECH_REGION: "TTS_AZURE_SPEECH_REGION",
  AZURE_SPEECH_BASE_URL: "TTS_AZURE_SPEECH_BASE_URL",
  AZURE_SPEECH_OUTPUT_FORMAT: "TTS_AZURE_SPEECH_OUTPUT_FORMAT",
} as const satisfies Record<keyof TtsForm, string>;

const STT_FIELDS = {
  OPENAI_API_BASE_URL: "STT_OPENAI_API_BASE_URL",
  OPENAI_API_KEY: "STT_OPENAI_API_KEY",
  ENGINE: "STT_ENGINE",
  MODEL: "STT_MODEL",
  SUPPORTED_CONTENT_TYPES: "STT_SUPPORTED_CONTENT_TYPES",
  WHISPER_MODEL: "WHISPER_MODEL",
  DEEPGRAM_API_KEY: "DEEPGRAM_API_KEY",
  AZURE_API_KEY: "AUDIO_STT_AZURE_API_KEY",
  AZURE_REGION: "AUDIO_STT_AZURE_REGION",
  AZURE_LOCALES: "AUDIO_STT_AZURE_LOCALES",
  AZURE_BASE_URL: "AUDIO_STT_AZURE_BASE_URL",
  AZURE_MAX_SPEAKERS: "AUDIO_STT_AZURE_MAX_SPEAKERS",
} as const satisfies Record<keyof SttForm, string>;

function section<F extends Record<string, ConfigKey>>(config: AppConfig, fields: F): Record<keyof F, unknown> {
  const entries = Object.entries(fields).map(([field, key]): [string, unknown] => [field, config.get(key)]);
  return Object.fromEntries(entries) as Record<keyof F, unknown>;
}

export function audioConfig(config: AppConfig) {
  return { tts: section(config, TTS_FIELDS), stt: section(config, STT_FIELDS) };
}

/** Every field of both sections, saved in one write. */
export async function saveAudioConfig(config: AppConfig, form: { tts: TtsForm; stt: SttForm }): Promise<void> {
  const changes: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(TTS_FIELDS)) changes[key] = form.tts[field as keyof TtsForm];
  for (const [field, key] of Object.entries(STT_FIELDS)) changes[key] = form.stt[field as keyof SttForm];
  await config.set(changes as Parameters<AppConfig["set"]>[0]);
}
