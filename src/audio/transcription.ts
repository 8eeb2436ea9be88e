// Speech to text through the configured engine (transcription_handler). The route keeps each
// upload in DATA_DIR/cache/audio/transcriptions/<uuid>.<ext> with its transcript beside it as
// <uuid>.json, as the reference does. No audio is converted or split here (the reference uses
// ffmpeg for that), so a recording must fit in one upstream request.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { AppContext } from "../context";
import { ERROR_MESSAGES, fileTooLarge, HttpError } from "../core/errors";
import type { UpstreamSettings } from "../core/upstream";
import { audioCacheDir, isRecord, send, SERVER_CONNECTION_ERROR, speechTimeout, transcriptionFailureText } from "./http";
import { textSetting } from "./settings";

/** The reference's per-request size (MAX_FILE_SIZE_MB); Azure takes up to 200 MB. */
const MAX_FILE_SIZE_MB = 20;
const AZURE_MAX_FILE_SIZE_MB = 200;
const DEFAULT_CONTENT_TYPES = ["audio/*", "video/webm"];
const AZURE_DEFAULT_LOCALES = "en-US,es-ES,es-MX,fr-FR,hi-IN,it-IT,de-DE,en-GB,en-IN,ja-JP,ko-KR,pt-BR,zh-CN";

export const WHISPER_UNAVAILABLE =
  "Speech-to-text with the local Whisper model is not available on this server. Choose OpenAI, Deepgram or Azure in Admin Settings > Audio, or Web API for the browser's own recognition.";
export const WEB_STT_ON_SERVER = "The Web API speech-to-text engine runs in the browser; there is nothing to transcribe on the server.";

/** An engine's failure, worded like the reference's; the route wraps it as the reference does. */
export class TranscriptionError extends Error {}

export interface Recording {
  bytes: Uint8Array;
  /** The name sent upstream. */
  filename: string;
  contentType: string;
}

interface SttJob {
  ctx: AppContext;
  settings: UpstreamSettings;
  recording: Recording;
  /** Tried in order until one succeeds; null = let the service detect it. */
  languages: (string | null)[];
}

const ENGINES: Record<string, (job: SttJob) => Promise<{ text: string; raw: unknown }>> = {
  openai: openaiTranscription,
  deepgram: deepgramTranscription,
  azure: azureTranscription,
};

/** fnmatch against STT_SUPPORTED_CONTENT_TYPES, or audio/* and video/webm when none are set. */
export function isTranscribable(ctx: AppContext, contentType: string | null | undefined): boolean {
  if (!contentType) return false;
  const stored = ctx.config.get("STT_SUPPORTED_CONTENT_TYPES");
  const configured = Array.isArray(stored) ? stored.map(String) : [];
  const patterns = configured.some((p) => p.trim()) ? configured : DEFAULT_CONTENT_TYPES;
  return patterns.some((pattern) => fnmatch(contentType, pattern));
}

/** Python's fnmatch on POSIX: case-sensitive, `*` also matches `/`. */
function fnmatch(name: string, pattern: string): boolean {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*") source += "[\\s\\S]*";
    else if (c === "?") source += "[\\s\\S]";
    else if (c === "[" && pattern.indexOf("]", i + 2) !== -1) {
      const end = pattern.indexOf("]", i + 2);
      let set = pattern.slice(i + 1, end).replace(/\\/g, "\\\\");
      if (set.startsWith("!")) set = `^${set.slice(1)}`;
      else if (set.startsWith("^")) set = `\\${set}`;
      source += `[${set}]`;
      i = end;
    } else source += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  try {
    return new RegExp(`^${source}$`).test(name);
  } catch {
    return false;
  }
}

/** Refuses engines this server cannot run and recordings too large for one request. */
export function checkTranscribable(ctx: AppContext, size: number): void {
  const engine = textSetting(ctx.config, "STT_ENGINE");
  if (engine === "") throw new HttpError(400, WHISPER_UNAVAILABLE);
  if (engine === "web") throw new HttpError(400, WEB_STT_ON_SERVER);
  if (!ENGINES[engine]) throw new HttpError(400, `The speech-to-text engine "${engine}" is not available on this server.`);
  const limit = engine === "azure" ? AZURE_MAX_FILE_SIZE_MB : MAX_FILE_SIZE_MB;
  if (size > limit * 1024 * 1024) throw new HttpError(413, fileTooLarge(`${limit} MB`));
}

/** The text of a recording (checkTranscribable first); engine failures are TranscriptionErrors. */
export async function transcribe(
  ctx: AppContext,
  settings: UpstreamSettings,
  recording: Recording,
  language?: string | null,
): Promise<{ text: string; raw: unknown }> {
  checkTranscribable(ctx, recording.bytes.byteLength);
  const preferred = (ctx.env.raw.WHISPER_LANGUAGE ?? "").toLowerCase() || language || null;
  const languages = preferred ? [preferred, null] : [null];
  const run = ENGINES[textSetting(ctx.config, "STT_ENGINE")] as (job: SttJob) => Promise<{ text: string; raw: unknown }>;
  try {
    return await run({ ctx, settings, recording, languages });
  } catch (error) {
    if (error instanceof HttpError && error.detail === SERVER_CONNECTION_ERROR) throw new TranscriptionError(SERVER_CONNECTION_ERROR);
    throw error;
  }
}

/** POST /transcriptions: the upload (with the type its part declared) is kept in the cache folder, then transcribed. */
export async function transcribeUpload(
  ctx: AppContext,
  settings: UpstreamSettings,
  file: File,
  contentType: string,
  language: string | null,
): Promise<{ text: string; filename: string }> {
  if (!isTranscribable(ctx, contentType)) throw new HttpError(400, ERROR_MESSAGES.FILE_NOT_SUPPORTED);
  checkTranscribable(ctx, file.size);
  const id = crypto.randomUUID();
  const filename = `${id}.${extensionOf(file.name)}`;
  const dir = join(audioCacheDir(ctx), "transcriptions");
  await mkdir(dir, { recursive: true });
  const bytes = new Uint8Array(await file.arrayBuffer());
  await Bun.write(join(dir, filename), bytes);
  let result: { text: string; raw: unknown };
  try {
    result = await transcribe(ctx, settings, { bytes, filename, contentType }, language);
  } catch (error) {
    // The reference wraps a failed chunk twice on its way out; the frontend shows this text.
    if (error instanceof TranscriptionError) throw new HttpError(400, `[ERROR: 400: [ERROR: 500: Error transcribing chunk: ${error.message}]]`);
    throw error;
  }
  await Bun.write(join(dir, `${id}.json`), JSON.stringify(result.raw));
  return { text: result.text, filename };
}

/** What follows the last dot, reduced to characters that are safe in a file name. */
function extensionOf(name: string): string {
  const last = name.split(".").pop() ?? "";
  return last.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 16) || "bin";
}

async function attempt(job: SttJob, request: (language: string | null) => Promise<{ url: string; response: Response }>) {
  let last: { url: string; response: Response } | undefined;
  for (const language of job.languages) {
    if (last) await last.response.body?.cancel().catch(() => {});
    last = await request(language);
    if (last.response.status === 200) return last.response;
  }
  const { url, response } = last as { url: string; response: Response };
  throw new TranscriptionError(await transcriptionFailureText(response, url));
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch (error) {
    throw new TranscriptionError(`External: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** POST {base}/audio/transcriptions, multipart: the file, the model, the language. */
async function openaiTranscription(job: SttJob): Promise<{ text: string; raw: unknown }> {
  const { ctx, settings, recording } = job;
  const url = `${textSetting(ctx.config, "STT_OPENAI_API_BASE_URL")}/audio/transcriptions`;
  const headers = { Authorization: `Bearer ${textSetting(ctx.config, "STT_OPENAI_API_KEY")}` };
  const response = await attempt(job, async (language) => {
    const form = new FormData();
    form.append("model", textSetting(ctx.config, "STT_MODEL"));
    if (language) form.append("language", language);
    form.append("file", new File([recording.bytes], recording.filename, { type: recording.contentType }));
    return { url, response: await send(url, { method: "POST", headers, body: form }, speechTimeout(settings)) };
  });
  const raw = await readJson(response);
  if (!isRecord(raw) || typeof raw.text !== "string") throw new TranscriptionError("External: the answer has no text");
  return { text: raw.text, raw };
}

/** DEEPGRAM_API_BASE_URL (ours) moves the service, e.g. to a proxy. */
function deepgramBase(ctx: AppContext): string {
  return (ctx.env.raw.DEEPGRAM_API_BASE_URL || "https://api.deepgram.com").replace(/\/+$/, "");
}

async function deepgramTranscription(job: SttJob): Promise<{ text: string; raw: unknown }> {
  const { ctx, settings, recording } = job;
  const guessed = Bun.file(recording.filename).type.split(";")[0] as string;
  const headers = {
    Authorization: `Token ${textSetting(ctx.config, "DEEPGRAM_API_KEY")}`,
    "Content-Type": guessed === "application/octet-stream" ? "audio/wav" : guessed,
  };
  const model = textSetting(ctx.config, "STT_MODEL");
  const response = await attempt(job, async (language) => {
    const url = new URL(`${deepgramBase(ctx)}/v1/listen?smart_format=true`);
    if (model) url.searchParams.set("model", model);
    if (language) url.searchParams.set("language", language);
    const target = url.toString();
    return { url: target, response: await send(target, { method: "POST", headers, body: recording.bytes }, speechTimeout(settings)) };
  });
  const raw = await readJson(response);
  const transcript = isRecord(raw) && isRecord(raw.results) && Array.isArray(raw.results.channels) ? firstAlternative(raw.results.channels) : undefined;
  if (transcript === undefined) throw new TranscriptionError("Failed to parse Deepgram response - unexpected response format");
  const data = { text: transcript.trim() };
  return { text: data.text, raw: data };
}

function firstAlternative(channels: unknown[]): string | undefined {
  const channel = channels[0];
  if (!isRecord(channel) || !Array.isArray(channel.alternatives) || !isRecord(channel.alternatives[0])) return undefined;
  const transcript = channel.alternatives[0].transcript;
  return typeof transcript === "string" ? transcript : "";
}

/** Azure's fast transcription API with diarization; errors carry the reference's status prefix. */
async function azureTranscription({ ctx, settings, recording }: SttJob): Promise<{ text: string; raw: unknown }> {
  const key = textSetting(ctx.config, "AUDIO_STT_AZURE_API_KEY");
  if (!key) throw new TranscriptionError("400: Azure API key is required for Azure STT");
  const region = textSetting(ctx.config, "AUDIO_STT_AZURE_REGION") || "eastus";
  const configured = textSetting(ctx.config, "AUDIO_STT_AZURE_LOCALES");
  const locales = configured.length < 2 ? AZURE_DEFAULT_LOCALES : configured;
  const speakers = textSetting(ctx.config, "AUDIO_STT_AZURE_MAX_SPEAKERS") || "3";
  const maxSpeakers = /^\d+$/.test(speakers) ? Number(speakers) : speakers;
  const base = textSetting(ctx.config, "AUDIO_STT_AZURE_BASE_URL") || `https://${region}.api.cognitive.microsoft.com`;
  const url = `${base}/speechtotext/transcriptions:transcribe?api-version=2024-11-15`;
  const form = new FormData();
  form.append("audio", new File([recording.bytes], recording.filename, { type: recording.contentType }));
  form.append("definition", JSON.stringify({ locales: locales.split(","), diarization: { maxSpeakers, enabled: true } }));
  const response = await send(url, { method: "POST", headers: { "Ocp-Apim-Subscription-Key": key }, body: form }, speechTimeout(settings));
  if (!response.ok) throw new TranscriptionError(`500: ${await transcriptionFailureText(response, url)}`);
  const raw = await readJson(response);
  const phrases = isRecord(raw) && Array.isArray(raw.combinedPhrases) ? raw.combinedPhrases : [];
  if (phrases.length === 0) throw new TranscriptionError("500: Failed to parse Azure response: No transcription found in response");
  const first = phrases[0];
  const text = isRecord(first) && typeof first.text === "string" ? first.text.trim() : "";
  if (!text) throw new TranscriptionError("500: Failed to parse Azure response: Empty transcript in response");
  return { text, raw: { text } };
}
