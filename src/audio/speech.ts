// POST /speech: text to speech through the configured engine. Results are kept in
// DATA_DIR/cache/audio/speech/<sha256 of body + engine + model>.mp3 (with the sent payload beside
// it as .json), the reference's layout, so reading the same sentence again costs no upstream call.
import { mkdir, rename } from "node:fs/promises";
import { join } from "node:path";
import type { AppContext } from "../context";
import { HttpError } from "../core/errors";
import { userInfoHeaders, type UpstreamSettings } from "../core/upstream";
import type { UserRow } from "../users/repository";
import { audioCacheDir, isRecord, send, speechFailure, speechTimeout } from "./http";
import { textSetting } from "./settings";
import { elevenlabsBase, ttsVoices } from "./voices";

type Payload = Record<string, unknown>;

interface SpeechJob {
  ctx: AppContext;
  settings: UpstreamSettings;
  user: UserRow;
  /** The request's JSON; an engine may add to it what it sent (the .json file records it). */
  payload: Payload;
}

const ENGINES: Record<string, (job: SpeechJob) => Promise<Uint8Array>> = {
  openai: openaiSpeech,
  elevenlabs: elevenlabsSpeech,
  azure: azureSpeech,
};

export const TRANSFORMERS_UNAVAILABLE =
  "The transformers text-to-speech engine (a local SpeechT5 model) is not available on this server. Choose OpenAI, ElevenLabs or Azure in Admin Settings > Audio, or leave the engine empty for the browser's own voices.";

/** The audio, or null when no server-side engine is set (the browser speaks, as in the reference). */
export async function synthesize(ctx: AppContext, settings: UpstreamSettings, user: UserRow, body: Uint8Array): Promise<Response | null> {
  const engine = textSetting(ctx.config, "TTS_ENGINE");
  const name = new Bun.CryptoHasher("sha256").update(body).update(engine).update(textSetting(ctx.config, "TTS_MODEL")).digest("hex");
  const dir = join(audioCacheDir(ctx), "speech");
  const audioPath = join(dir, `${name}.mp3`);
  if (await Bun.file(audioPath).exists()) return audioResponse(audioPath);

  const payload = parsePayload(body);
  if (engine === "transformers") throw new HttpError(400, TRANSFORMERS_UNAVAILABLE);
  const run = ENGINES[engine];
  if (!run) return null;
  const audio = await run({ ctx, settings, user, payload });
  await mkdir(dir, { recursive: true });
  await writeAtomically(audioPath, audio);
  await writeAtomically(join(dir, `${name}.json`), JSON.stringify(payload));
  return audioResponse(audioPath);
}

function audioResponse(path: string): Response {
  return new Response(Bun.file(path), { headers: { "content-type": "audio/mpeg" } });
}

function parsePayload(body: Uint8Array): Payload {
  try {
    const payload = JSON.parse(new TextDecoder().decode(body));
    if (isRecord(payload)) return payload;
  } catch {}
  throw new HttpError(400, "Invalid JSON payload");
}

/** A reader never sees half a file, even with several instances sharing the data folder. */
async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  await Bun.write(temporary, data);
  await rename(temporary, path);
}

function inputText(payload: Payload): string {
  if (typeof payload.input !== "string") throw new HttpError(400, "The request has no input text");
  return payload.input;
}

async function readAudio(response: Response, url: string): Promise<Uint8Array> {
  if (!response.ok) throw await speechFailure(response, url);
  return new Uint8Array(await response.arrayBuffer());
}

/** POST {base}/audio/speech with the request's fields and the configured model. */
async function openaiSpeech({ ctx, settings, user, payload }: SpeechJob): Promise<Uint8Array> {
  payload.model = textSetting(ctx.config, "TTS_MODEL");
  const url = `${textSetting(ctx.config, "TTS_OPENAI_API_BASE_URL")}/audio/speech`;
  const headers = {
    "Content-Type": "application/json",
    Authorization: `Bearer ${textSetting(ctx.config, "TTS_OPENAI_API_KEY")}`,
    ...userInfoHeaders(settings, user),
  };
  const response = await send(url, { method: "POST", headers, body: JSON.stringify(payload) }, speechTimeout(settings));
  return readAudio(response, url);
}

async function elevenlabsSpeech({ ctx, settings, payload }: SpeechJob): Promise<Uint8Array> {
  const voice = typeof payload.voice === "string" ? payload.voice : "";
  if (!(voice in (await ttsVoices(ctx, settings)))) throw new HttpError(400, "Invalid voice id");
  const text = inputText(payload);
  const url = `${elevenlabsBase(ctx)}/v1/text-to-speech/${encodeURIComponent(voice)}`;
  const body = JSON.stringify({
    text,
    model_id: textSetting(ctx.config, "TTS_MODEL"),
    voice_settings: { stability: 0.5, similarity_boost: 0.5 },
  });
  const headers = { Accept: "audio/mpeg", "Content-Type": "application/json", "xi-api-key": textSetting(ctx.config, "TTS_API_KEY") };
  return readAudio(await send(url, { method: "POST", headers, body }, speechTimeout(settings)), url);
}

/** SSML with the configured voice; the text is escaped (the reference inserts it as is). */
async function azureSpeech({ ctx, settings, payload }: SpeechJob): Promise<Uint8Array> {
  const text = inputText(payload);
  const region = textSetting(ctx.config, "TTS_AZURE_SPEECH_REGION") || "eastus";
  const base = textSetting(ctx.config, "TTS_AZURE_SPEECH_BASE_URL") || `https://${region}.tts.speech.microsoft.com`;
  const voice = textSetting(ctx.config, "TTS_VOICE");
  const locale = voice.split("-")[0] ?? "";
  const ssml =
    `<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="${escapeXml(locale)}">` +
    `<voice name="${escapeXml(voice)}">${escapeXml(text)}</voice></speak>`;
  const url = `${base}/cognitiveservices/v1`;
  const headers = {
    "Ocp-Apim-Subscription-Key": textSetting(ctx.config, "TTS_API_KEY"),
    "Content-Type": "application/ssml+xml",
    "X-Microsoft-OutputFormat": textSetting(ctx.config, "TTS_AZURE_SPEECH_OUTPUT_FORMAT"),
  };
  return readAudio(await send(url, { method: "POST", headers, body: ssml }, speechTimeout(settings)), url);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] as string);
}
