// The speech services other than OpenAI, on one loopback server: ElevenLabs (/v1/voices,
// /v1/models, /v1/text-to-speech/<voice>), Deepgram (/v1/listen), Azure speech (TTS at
// /cognitiveservices/v1 and /cognitiveservices/voices/list, STT at
// /speechtotext/transcriptions:transcribe). Requests are recorded; keys are checked.

export interface SpeechRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Text for JSON/SSML, fields for multipart, the byte count for raw audio. */
  body: unknown;
}

export interface FakeSpeech {
  url: string;
  requests: SpeechRequest[];
  /** The key every service expects (xi-api-key, `Token …`, Ocp-Apim-Subscription-Key). */
  key: string;
  stop(): Promise<void>;
}

const AUDIO = new Uint8Array([73, 68, 51, 4]);

async function readBody(request: Request): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (type.startsWith("multipart/form-data")) {
    const fields: Record<string, unknown> = {};
    (await request.formData()).forEach((value, name) => {
      fields[name] = typeof value === "string" ? value : { name: value.name, type: value.type, size: value.size };
    });
    return fields;
  }
  if (type.startsWith("audio/") || type.startsWith("video/")) return (await request.arrayBuffer()).byteLength;
  return request.method === "GET" ? null : await request.text();
}

export function startFakeSpeech(key = "speech-key"): FakeSpeech {
  const requests: SpeechRequest[] = [];
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: async (request) => {
      const url = new URL(request.url);
      const headers = Object.fromEntries(request.headers);
      requests.push({ method: request.method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body: await readBody(request) });
      const path = url.pathname;
      if (path.startsWith("/v1/listen")) {
        if (headers.authorization !== `Token ${key}`) return Response.json({ err_code: "INVALID_AUTH", err_msg: "Invalid credentials." }, { status: 401 });
        return Response.json({ results: { channels: [{ alternatives: [{ transcript: " Deepgram heard you. " }] }] } });
      }
      if (path.startsWith("/v1/")) {
        if (headers["xi-api-key"] !== key) return Response.json({ detail: { status: "invalid_api_key" } }, { status: 401 });
        if (path === "/v1/voices") return Response.json({ voices: [{ voice_id: "voice-rachel", name: "Rachel" }] });
        if (path === "/v1/models") return Response.json([{ model_id: "eleven_multilingual_v2", name: "Multilingual v2" }]);
        if (path.startsWith("/v1/text-to-speech/")) return new Response(AUDIO, { headers: { "content-type": "audio/mpeg" } });
      }
      if (headers["ocp-apim-subscription-key"] !== key) return Response.json({ error: { code: "401", message: "Access denied" } }, { status: 401 });
      if (path === "/cognitiveservices/voices/list") {
        return Response.json([{ ShortName: "en-US-JennyNeural", DisplayName: "Jenny" }, { ShortName: "de-DE-KatjaNeural", DisplayName: "Katja" }]);
      }
      if (path === "/cognitiveservices/v1") return new Response(AUDIO, { headers: { "content-type": "audio/mpeg" } });
      if (path === "/speechtotext/transcriptions:transcribe") {
        return Response.json({ combinedPhrases: [{ text: " Azure heard you. " }], phrases: [] });
      }
      return Response.json({ error: { message: `no route ${path}` } }, { status: 404 });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    key,
    stop: async () => {
      await server.stop(true);
    },
  };
}
