// /api/v1/audio (routers/audio.py): the admin's audio settings, the TTS engine's models and
// voices, text to speech (cached on disk) and speech to text (uploads kept in the cache folder).
// Engines that need local Python models (TTS "transformers", STT "" = faster-whisper) answer 400.
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { readUpstreamSettings } from "../core/upstream";
import { missingField, readMultipart } from "../core/multipart";
import { audioConfig, saveAudioConfig } from "./settings";
import { synthesize } from "./speech";
import { transcribeUpload } from "./transcription";
import { ttsModels, ttsVoices } from "./voices";

const tag = { detail: { tags: ["audio"] } };

const TtsForm = t.Object({
  OPENAI_API_BASE_URL: t.String(),
  OPENAI_API_KEY: t.String(),
  API_KEY: t.String(),
  ENGINE: t.String(),
  MODEL: t.String(),
  VOICE: t.String(),
  SPLIT_ON: t.String(),
  AZURE_SPEECH_REGION: t.String(),
  AZURE_SPEECH_BASE_URL: t.String(),
  AZURE_SPEECH_OUTPUT_FORMAT: t.String(),
});

const SttForm = t.Object({
  OPENAI_API_BASE_URL: t.String(),
  OPENAI_API_KEY: t.String(),
  ENGINE: t.String(),
  MODEL: t.String(),
  SUPPORTED_CONTENT_TYPES: t.Optional(t.Array(t.String())),
  WHISPER_MODEL: t.String(),
  DEEPGRAM_API_KEY: t.String(),
  AZURE_API_KEY: t.String(),
  AZURE_REGION: t.String(),
  AZURE_LOCALES: t.String(),
  AZURE_BASE_URL: t.String(),
  AZURE_MAX_SPEAKERS: t.String(),
});

export function audioRoutes(ctx: AppContext) {
  const settings = readUpstreamSettings(ctx.env.raw);
  return new Elysia({ name: "audio", prefix: "/api/v1/audio" })
    .use(authGuard(ctx))
    .get("/config", () => audioConfig(ctx.config), { auth: "admin", ...tag })
    .post(
      "/config/update",
      async ({ body }) => {
        await saveAudioConfig(ctx.config, { tts: body.tts, stt: { ...body.stt, SUPPORTED_CONTENT_TYPES: body.stt.SUPPORTED_CONTENT_TYPES ?? [] } });
        return audioConfig(ctx.config);
      },
      { auth: "admin", body: t.Object({ tts: TtsForm, stt: SttForm }), ...tag },
    )
    .get("/models", async () => ({ models: await ttsModels(ctx, settings) }), { auth: "verified", ...tag })
    .get(
      "/voices",
      async () => ({ voices: Object.entries(await ttsVoices(ctx, settings)).map(([id, name]) => ({ id, name })) }),
      { auth: "verified", ...tag },
    )
    .post(
      "/speech",
      async ({ request, user }) => synthesize(ctx, settings, user, new Uint8Array(await request.arrayBuffer())),
      { auth: "verified", parse: "none", ...tag },
    )
    .post(
      "/transcriptions",
      async ({ request }) => {
        const { form, declaredTypes } = await readMultipart(request);
        const file = form.get("file");
        if (!(file instanceof File)) throw missingField("file");
        const language = form.get("language");
        return transcribeUpload(ctx, settings, file, declaredTypes.get("file") ?? "", typeof language === "string" && language ? language : null);
      },
      { auth: "verified", parse: "none", ...tag },
    );
}
