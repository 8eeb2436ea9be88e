// /api/v1/audio on both databases: the admin settings (shape, persistence, /api/config), the TTS
// engine's models and voices, text to speech with its disk cache, speech to text with the upload
// kept in the cache folder, and each engine's failures — against loopback fakes of the services.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { openTestApp, startTestApp, type TestApp, type TestResponse } from "../support/app";
import { addUser, signUp, type Account } from "../support/accounts";
import { dialects } from "../support/databases";
import { uploadAndProcess } from "../support/uploads";
import { startFakeOpenAI, type FakeOpenAI } from "../fakes/openai";
import { startFakeSpeech, type FakeSpeech } from "../fakes/speech";
import { TRANSFORMERS_UNAVAILABLE } from "../../src/audio/speech";
import { WHISPER_UNAVAILABLE } from "../../src/audio/transcription";

const DEFAULT_CONFIG = {
  tts: {
    OPENAI_API_BASE_URL: "https://api.openai.com/v1",
    OPENAI_API_KEY: "",
    API_KEY: "",
    ENGINE: "",
    MODEL: "tts-1",
    VOICE: "alloy",
    SPLIT_ON: "punctuation",
    AZURE_SPEECH_REGION: "",
    AZURE_SPEECH_BASE_URL: "",
    AZURE_SPEECH_OUTPUT_FORMAT: "audio-24khz-160kbitrate-mono-mp3",
  },
  stt: {
    OPENAI_API_BASE_URL: "https://api.openai.com/v1",
    OPENAI_API_KEY: "",
    ENGINE: "",
    MODEL: "",
    SUPPORTED_CONTENT_TYPES: [] as string[],
    WHISPER_MODEL: "base",
    DEEPGRAM_API_KEY: "",
    AZURE_API_KEY: "",
    AZURE_REGION: "",
    AZURE_LOCALES: "",
    AZURE_BASE_URL: "",
    AZURE_MAX_SPEAKERS: "",
  },
};

type AudioConfig = typeof DEFAULT_CONFIG;
const FILE_NOT_SUPPORTED =
  "Oops! It seems like the file format you're trying to upload is not supported. Please upload a file with a supported format and try again.";
const WAV = new Uint8Array([82, 73, 70, 70, 0, 0, 0, 0, 87, 65, 86, 69]);

let openai: FakeOpenAI;
let speech: FakeSpeech;
beforeAll(() => {
  openai = startFakeOpenAI();
  speech = startFakeSpeech();
});
afterAll(async () => {
  await openai.stop();
  await speech.stop();
});

for (const dialect of dialects) {
  describe(dialect, () => {
    let t: TestApp;
    let admin: Account;
    let alice: Account;
    beforeAll(async () => {
      t = await startTestApp(dialect, { ELEVENLABS_API_BASE_URL: speech.url, DEEPGRAM_API_BASE_URL: speech.url });
      admin = await signUp(t, "admin@example.com", "pw", "Admin");
      alice = await addUser(t, admin, "alice@example.com");
    }, 30_000);
    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    async function configure(change: { tts?: Partial<AudioConfig["tts"]>; stt?: Partial<AudioConfig["stt"]> }): Promise<TestResponse> {
      const current = (await t.request("GET", "/api/v1/audio/config", { token: admin.token })).body as AudioConfig;
      const body = { tts: { ...current.tts, ...change.tts }, stt: { ...current.stt, ...change.stt } };
      const res = await t.request("POST", "/api/v1/audio/config/update", { token: admin.token, body });
      expect(res.status).toBe(200);
      return res;
    }

    const useOpenaiTts = () => configure({ tts: { ENGINE: "openai", OPENAI_API_BASE_URL: openai.url, OPENAI_API_KEY: "sk-tts", MODEL: "tts-1" } });
    const useOpenaiStt = () => configure({ stt: { ENGINE: "openai", OPENAI_API_BASE_URL: openai.url, OPENAI_API_KEY: "sk-stt", MODEL: "whisper-1" } });

    async function speak(body: unknown, token = alice.token): Promise<Response> {
      const init: RequestInit = { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } };
      init.body = typeof body === "string" ? body : JSON.stringify(body);
      return t.app.handle(new Request("http://localhost/api/v1/audio/speech", init));
    }

    async function transcribe(file: File | null, fields: Record<string, string> = {}): Promise<TestResponse> {
      const form = new FormData();
      if (file) form.append("file", file);
      for (const [name, value] of Object.entries(fields)) form.append(name, value);
      const response = await t.app.handle(
        new Request("http://localhost/api/v1/audio/transcriptions", { method: "POST", headers: { authorization: `Bearer ${alice.token}` }, body: form }),
      );
      const text = await response.text();
      let body: any = text;
      try {
        body = JSON.parse(text);
      } catch {}
      return { status: response.status, headers: response.headers, body, text };
    }

    const recording = (name = "Recording.wav", type = "audio/wav", bytes: Uint8Array = WAV) => new File([bytes], name, { type });
    const since = (count: number, path: string) => openai.requests.slice(count).filter((r) => r.path.endsWith(path));
    const speechRequests = (count: number) => speech.requests.slice(count);

    test("config: the reference's defaults, admin only; an update is saved at the reference's paths and survives a restart", async () => {
      expect((await t.request("GET", "/api/v1/audio/config", { token: alice.token })).status).toBe(401);
      const defaults = await t.request("GET", "/api/v1/audio/config", { token: admin.token });
      expect(defaults.body).toEqual(DEFAULT_CONFIG);

      const missing = await t.request("POST", "/api/v1/audio/config/update", { token: admin.token, body: { tts: DEFAULT_CONFIG.tts } });
      expect(missing.status).toBe(422);
      const wrongType = await t.request("POST", "/api/v1/audio/config/update", {
        token: admin.token,
        body: { tts: { ...DEFAULT_CONFIG.tts, ENGINE: 5 }, stt: DEFAULT_CONFIG.stt },
      });
      expect(wrongType.status).toBe(422);

      const { SUPPORTED_CONTENT_TYPES: _omitted, ...sttWithoutTypes } = DEFAULT_CONFIG.stt;
      const body = {
        tts: { ...DEFAULT_CONFIG.tts, ENGINE: "azure", VOICE: "en-US-JennyNeural", SPLIT_ON: "paragraphs", API_KEY: "az", AZURE_SPEECH_REGION: "westeurope" },
        stt: { ...sttWithoutTypes, ENGINE: "deepgram", DEEPGRAM_API_KEY: "dg", MODEL: "nova-2" },
      };
      const saved = await t.request("POST", "/api/v1/audio/config/update", { token: admin.token, body });
      expect(saved.status).toBe(200);
      expect(saved.body).toEqual({ tts: body.tts, stt: { ...body.stt, SUPPORTED_CONTENT_TYPES: [] } });

      const stored = await t.ctx.config.exportStored();
      expect(stored.audio).toMatchObject({
        tts: { engine: "azure", voice: "en-US-JennyNeural", split_on: "paragraphs", api_key: "az", azure: { speech_region: "westeurope" } },
        stt: { engine: "deepgram", model: "nova-2", deepgram: { api_key: "dg" }, supported_content_types: [] },
      });
      const app = await t.request("GET", "/api/config", { token: alice.token });
      expect(app.body.audio).toEqual({ tts: { engine: "azure", voice: "en-US-JennyNeural", split_on: "paragraphs" }, stt: { engine: "deepgram" } });

      const restarted = await openTestApp(t.database);
      try {
        const reread = await restarted.request("GET", "/api/v1/audio/config", { token: admin.token });
        expect(reread.body).toEqual(saved.body);
      } finally {
        await restarted.close();
      }
      await configure(DEFAULT_CONFIG);
    });

    test("models and voices: OpenAI's lists, a custom server's lists or the defaults, ElevenLabs and Azure from the service", async () => {
      const empty = await t.request("GET", "/api/v1/audio/voices", { token: alice.token });
      expect([empty.status, empty.body]).toEqual([200, { voices: [] }]);
      expect((await t.request("GET", "/api/v1/audio/models", { token: alice.token })).body).toEqual({ models: [] });

      await configure({ tts: { ENGINE: "openai" } });
      const voices = await t.request("GET", "/api/v1/audio/voices", { token: alice.token });
      expect(voices.body.voices.map((v: { id: string }) => v.id)).toEqual(["alloy", "echo", "fable", "onyx", "nova", "shimmer"]);
      expect((await t.request("GET", "/api/v1/audio/models", { token: alice.token })).body).toEqual({ models: [{ id: "tts-1" }, { id: "tts-1-hd" }] });

      // The fake has no /audio/voices or /audio/models: the defaults stand in, after asking with the key.
      const count = openai.requests.length;
      await useOpenaiTts();
      expect((await t.request("GET", "/api/v1/audio/voices", { token: alice.token })).body.voices).toHaveLength(6);
      expect((await t.request("GET", "/api/v1/audio/models", { token: alice.token })).body.models).toEqual([{ id: "tts-1" }, { id: "tts-1-hd" }]);
      expect(openai.requests.slice(count).map((r) => [r.path, r.headers.authorization])).toEqual([
        ["/v1/audio/voices", "Bearer sk-tts"],
        ["/v1/audio/models", "Bearer sk-tts"],
      ]);

      await configure({ tts: { ENGINE: "elevenlabs", API_KEY: speech.key } });
      expect((await t.request("GET", "/api/v1/audio/voices", { token: alice.token })).body).toEqual({ voices: [{ id: "voice-rachel", name: "Rachel" }] });
      expect((await t.request("GET", "/api/v1/audio/models", { token: alice.token })).body).toEqual({
        models: [{ name: "Multilingual v2", id: "eleven_multilingual_v2" }],
      });
      await configure({ tts: { API_KEY: "wrong" } });
      expect((await t.request("GET", "/api/v1/audio/voices", { token: alice.token })).body).toEqual({ voices: [] });

      await configure({ tts: { ENGINE: "azure", API_KEY: speech.key, AZURE_SPEECH_BASE_URL: speech.url } });
      expect((await t.request("GET", "/api/v1/audio/voices", { token: alice.token })).body).toEqual({
        voices: [
          { id: "en-US-JennyNeural", name: "Jenny (en-US-JennyNeural)" },
          { id: "de-DE-KatjaNeural", name: "Katja (de-DE-KatjaNeural)" },
        ],
      });
      expect((await t.request("GET", "/api/v1/audio/models", { token: alice.token })).body).toEqual({ models: [] });
      await configure(DEFAULT_CONFIG);
    });

    test("speech (OpenAI): the configured model and key upstream, the audio cached by body, engine and model", async () => {
      await useOpenaiTts();
      const count = openai.requests.length;
      const input = { input: `Read this aloud ${dialect}.`, voice: "nova", model: "ignored" };
      const first = await speak(input);
      expect(first.status).toBe(200);
      expect(first.headers.get("content-type")).toBe("audio/mpeg");
      expect(new Uint8Array(await first.arrayBuffer())).toEqual(new Uint8Array([73, 68, 51]));
      const sent = since(count, "/audio/speech");
      expect(sent).toHaveLength(1);
      expect(sent[0]!.body).toEqual({ input: input.input, voice: "nova", model: "tts-1" });
      expect(sent[0]!.headers.authorization).toBe("Bearer sk-tts");

      const again = await speak(input);
      expect([again.status, (await again.arrayBuffer()).byteLength]).toEqual([200, 3]);
      expect(since(count, "/audio/speech")).toHaveLength(1);

      const body = new TextEncoder().encode(JSON.stringify(input));
      const name = new Bun.CryptoHasher("sha256").update(body).update("openai").update("tts-1").digest("hex");
      const dir = join(t.database.dataDir, "cache", "audio", "speech");
      expect(existsSync(join(dir, `${name}.mp3`))).toBe(true);
      expect(JSON.parse(readFileSync(join(dir, `${name}.json`), "utf8"))).toEqual({ ...input, model: "tts-1" });
      expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);

      await configure({ tts: { MODEL: "tts-1-hd" } });
      expect((await speak(input)).status).toBe(200);
      expect(since(count, "/audio/speech").map((r) => r.body.model)).toEqual(["tts-1", "tts-1-hd"]);
      await configure(DEFAULT_CONFIG);
    });

    test("speech: bad JSON is a 400, no engine answers null, local models are not available here", async () => {
      const bad = await speak("{not json");
      expect([bad.status, await bad.json()]).toEqual([400, { detail: "Invalid JSON payload" }]);
      const list = await speak([1, 2]);
      expect(list.status).toBe(400);

      const browser = await speak({ input: "hello", voice: "alloy" });
      expect([browser.status, await browser.text()]).toEqual([200, "null"]);

      await configure({ tts: { ENGINE: "transformers" } });
      const local = await speak({ input: "hello", voice: "alloy" });
      expect([local.status, await local.json()]).toEqual([400, { detail: TRANSFORMERS_UNAVAILABLE }]);
      await configure(DEFAULT_CONFIG);
    });

    test("speech (OpenAI) failures: the upstream's status with aiohttp's text; unreachable is a 500; nothing is cached", async () => {
      await useOpenaiTts();
      openai.options.audioError = { status: 401, body: { error: { message: "Incorrect API key provided" } } };
      try {
        const refused = await speak({ input: "fails", voice: "alloy" });
        expect(refused.status).toBe(401);
        expect(((await refused.json()) as any).detail).toBe(`External: 401, message='Unauthorized', url='${openai.url}/audio/speech'`);
      } finally {
        openai.options.audioError = undefined;
      }
      const retried = await speak({ input: "fails", voice: "alloy" });
      expect(retried.status).toBe(200);

      await configure({ tts: { OPENAI_API_BASE_URL: "http://127.0.0.1:9/v1" } });
      const unreachable = await speak({ input: "nobody there", voice: "alloy" });
      expect([unreachable.status, await unreachable.json()]).toEqual([500, { detail: "Open WebUI: Server Connection Error" }]);
      await configure(DEFAULT_CONFIG);
    });

    test("speech (ElevenLabs): only the service's voices; the text, model and fixed voice settings are sent", async () => {
      await configure({ tts: { ENGINE: "elevenlabs", API_KEY: speech.key, MODEL: "eleven_multilingual_v2" } });
      const invalid = await speak({ input: "hi", voice: "alloy" });
      expect([invalid.status, await invalid.json()]).toEqual([400, { detail: "Invalid voice id" }]);

      const count = speech.requests.length;
      const res = await speak({ input: `Hello from ${dialect}`, voice: "voice-rachel" });
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBe(4);
      const call = speechRequests(count).find((r) => r.path.startsWith("/v1/text-to-speech/"))!;
      expect(call.path).toBe("/v1/text-to-speech/voice-rachel");
      expect(JSON.parse(call.body as string)).toEqual({
        text: `Hello from ${dialect}`,
        model_id: "eleven_multilingual_v2",
        voice_settings: { stability: 0.5, similarity_boost: 0.5 },
      });
      expect(call.headers["xi-api-key"]).toBe(speech.key);
      await configure(DEFAULT_CONFIG);
    });

    test("speech (Azure): SSML with the configured voice, the text escaped; a refused key keeps the service's status", async () => {
      await configure({ tts: { ENGINE: "azure", API_KEY: speech.key, AZURE_SPEECH_BASE_URL: speech.url, VOICE: "en-US-JennyNeural" } });
      const count = speech.requests.length;
      const res = await speak({ input: `Fish & <chips> ${dialect}`, voice: "ignored" });
      expect(res.status).toBe(200);
      const call = speechRequests(count).find((r) => r.path === "/cognitiveservices/v1")!;
      expect(call.body).toBe(
        `<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en"><voice name="en-US-JennyNeural">Fish &amp; &lt;chips&gt; ${dialect}</voice></speak>`,
      );
      expect(call.headers["content-type"]).toBe("application/ssml+xml");
      expect(call.headers["x-microsoft-outputformat"]).toBe("audio-24khz-160kbitrate-mono-mp3");

      await configure({ tts: { API_KEY: "wrong" } });
      const refused = await speak({ input: `refused ${dialect}` });
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as any).detail).toBe(`External: 401, message='Unauthorized', url='${speech.url}/cognitiveservices/v1'`);
      const noText = await configure({ tts: { API_KEY: speech.key } }).then(() => speak({ voice: "x" }));
      expect(noText.status).toBe(400);
      await configure(DEFAULT_CONFIG);
    });

    test("transcriptions (OpenAI): the text and the stored file name; the recording and its transcript stay in the cache folder", async () => {
      await useOpenaiStt();
      const count = openai.requests.length;
      const res = await transcribe(recording("Recording-11/22/2026 9:41 AM.webm", "audio/webm;codecs=opus"), { language: "de" });
      expect(res.status).toBe(200);
      expect(res.body.text).toBe("Hello from the recording");
      expect(res.body.filename).toMatch(/^[0-9a-f-]{36}\.webm$/);
      const sent = since(count, "/audio/transcriptions");
      expect(sent).toHaveLength(1);
      expect(sent[0]!.headers.authorization).toBe("Bearer sk-stt");
      expect(sent[0]!.body).toMatchObject({ model: "whisper-1", language: "de", file: { name: res.body.filename, size: WAV.byteLength } });

      const dir = join(t.database.dataDir, "cache", "audio", "transcriptions");
      expect(new Uint8Array(readFileSync(join(dir, res.body.filename)))).toEqual(WAV);
      const id = res.body.filename.split(".")[0];
      expect(JSON.parse(readFileSync(join(dir, `${id}.json`), "utf8"))).toEqual({ text: "Hello from the recording" });

      // The type the part declares counts, not one guessed from the name (Safari records audio/mp4).
      const safari = await transcribe(recording("Recording-11/22/2026 9:41 AM.mp4", "audio/mp4"));
      expect([safari.status, safari.body.filename.endsWith(".mp4")]).toEqual([200, true]);
      expect((await transcribe(recording("voice.wav", "text/plain"))).status).toBe(400);
      const unnamed = await transcribe(recording("blob", "audio/wav"));
      expect(unnamed.body.filename).toMatch(/^[0-9a-f-]{36}\.blob$/);
      const traversal = await transcribe(recording("x.a/../../evil", "audio/wav"));
      expect(traversal.body.filename).toMatch(/^[0-9a-f-]{36}\.evil$/);
      await configure(DEFAULT_CONFIG);
    });

    test("transcriptions: content types, a missing file, engines not run here, the size limit", async () => {
      await useOpenaiStt();
      const text = await transcribe(recording("notes.txt", "text/plain"));
      expect([text.status, text.body]).toEqual([400, { detail: FILE_NOT_SUPPORTED }]);
      const video = await transcribe(recording("clip.webm", "video/webm"));
      expect(video.status).toBe(200);
      expect((await transcribe(null, { language: "en" })).status).toBe(422);

      await configure({ stt: { SUPPORTED_CONTENT_TYPES: ["audio/ogg", "video/*"] } });
      expect((await transcribe(recording("a.wav", "audio/wav"))).status).toBe(400);
      expect((await transcribe(recording("a.mp4", "video/mp4"))).status).toBe(200);
      await configure({ stt: { SUPPORTED_CONTENT_TYPES: [" "] } });
      expect((await transcribe(recording("a.wav", "audio/wav"))).status).toBe(200);

      const large = await transcribe(recording("long.wav", "audio/wav", new Uint8Array(20 * 1024 * 1024 + 1)));
      expect(large.status).toBe(413);
      expect(large.body.detail).toContain("20 MB");

      await configure({ stt: { ENGINE: "" } });
      const local = await transcribe(recording());
      expect([local.status, local.body]).toEqual([400, { detail: WHISPER_UNAVAILABLE }]);
      await configure({ stt: { ENGINE: "web" } });
      expect((await transcribe(recording())).status).toBe(400);
      await configure(DEFAULT_CONFIG);
    });

    test("transcriptions (OpenAI) failures: retried without the language, then the reference's wrapped texts", async () => {
      await useOpenaiStt();
      const count = openai.requests.length;
      openai.options.audioError = { status: 401, body: { error: { message: "Incorrect API key provided" } } };
      try {
        const refused = await transcribe(recording(), { language: "fr" });
        expect([refused.status, refused.body.detail]).toEqual([400, "[ERROR: 400: [ERROR: 500: Error transcribing chunk: External: Incorrect API key provided]]"]);
        expect(since(count, "/audio/transcriptions").map((r) => r.body.language ?? null)).toEqual(["fr", null]);

        openai.options.audioError = { status: 502, body: "<html>Bad Gateway</html>" };
        const html = await transcribe(recording());
        expect(html.body.detail).toBe(
          `[ERROR: 400: [ERROR: 500: Error transcribing chunk: External: 502 Server Error: Bad Gateway for url: ${openai.url}/audio/transcriptions]]`,
        );
      } finally {
        openai.options.audioError = undefined;
      }
      await configure({ stt: { OPENAI_API_BASE_URL: "http://127.0.0.1:9/v1" } });
      const unreachable = await transcribe(recording());
      expect([unreachable.status, unreachable.body.detail]).toEqual([400, "[ERROR: 400: [ERROR: 500: Error transcribing chunk: Open WebUI: Server Connection Error]]"]);
      await configure(DEFAULT_CONFIG);
    });

    test("transcriptions (Deepgram): raw audio with its type, the model and language as parameters", async () => {
      await configure({ stt: { ENGINE: "deepgram", DEEPGRAM_API_KEY: speech.key, MODEL: "nova-2" } });
      const count = speech.requests.length;
      const res = await transcribe(recording("Recording.wav", "audio/wav"), { language: "en" });
      expect([res.status, res.body.text]).toEqual([200, "Deepgram heard you."]);
      const call = speechRequests(count).find((r) => r.path === "/v1/listen")!;
      expect(call.query).toEqual({ smart_format: "true", model: "nova-2", language: "en" });
      expect(call.headers.authorization).toBe(`Token ${speech.key}`);
      expect(call.headers["content-type"]).toBe("audio/x-wav");
      expect(call.body).toBe(WAV.byteLength);

      await configure({ stt: { DEEPGRAM_API_KEY: "wrong" } });
      const refused = await transcribe(recording());
      expect([refused.status, refused.body.detail]).toEqual([400, "[ERROR: 400: [ERROR: 500: Error transcribing chunk: Open WebUI: Server Connection Error]]"]);
      await configure(DEFAULT_CONFIG);
    });

    test("transcriptions (Azure): the recording and a definition with locales and speakers; a key is required", async () => {
      await configure({ stt: { ENGINE: "azure", AZURE_API_KEY: speech.key, AZURE_BASE_URL: speech.url, AZURE_LOCALES: "de-DE,en-US", AZURE_MAX_SPEAKERS: "2" } });
      const count = speech.requests.length;
      const res = await transcribe(recording("Recording.wav", "audio/wav"));
      expect([res.status, res.body.text]).toEqual([200, "Azure heard you."]);
      const call = speechRequests(count).find((r) => r.path === "/speechtotext/transcriptions:transcribe")!;
      expect(call.query).toEqual({ "api-version": "2024-11-15" });
      const fields = call.body as Record<string, any>;
      expect(JSON.parse(fields.definition)).toEqual({ locales: ["de-DE", "en-US"], diarization: { maxSpeakers: 2, enabled: true } });
      expect(fields.audio.size).toBe(WAV.byteLength);

      await configure({ stt: { AZURE_API_KEY: "" } });
      const keyless = await transcribe(recording());
      expect(keyless.body.detail).toBe("[ERROR: 400: [ERROR: 500: Error transcribing chunk: 400: Azure API key is required for Azure STT]]");
      await configure({ stt: { AZURE_API_KEY: "wrong" } });
      const refused = await transcribe(recording());
      expect(refused.body.detail).toBe("[ERROR: 400: [ERROR: 500: Error transcribing chunk: 500: External: Access denied]]");
      await configure(DEFAULT_CONFIG);
    });

    test("an uploaded recording is transcribed and its text becomes the file's content; without a server engine it fails clearly", async () => {
      await useOpenaiStt();
      openai.options.transcript = `A voice memo on ${dialect}`;
      try {
        const { events, file } = await uploadAndProcess(t, alice.token, { name: "memo.wav", content: WAV, type: "audio/wav", metadata: '{"language":"en"}' });
        expect(events.at(-1)?.status).toBe("completed");
        expect(file.data.content).toBe(`A voice memo on ${dialect}`);
        expect(since(0, "/audio/transcriptions").at(-1)!.body).toMatchObject({ model: "whisper-1", language: "en", file: { name: "memo.wav" } });
      } finally {
        openai.options.transcript = undefined;
      }
      await configure({ stt: { ENGINE: "" } });
      const { events } = await uploadAndProcess(t, alice.token, { name: "memo.wav", content: WAV, type: "audio/wav" });
      expect(events.at(-1)).toMatchObject({ status: "failed", error: WHISPER_UNAVAILABLE });
      await configure(DEFAULT_CONFIG);
    });
  });
}
