// A small OpenAI-compatible server on loopback for tests and benchmarks: /models,
// /chat/completions (JSON or SSE, with reasoning deltas, tool calls, errors and failures mid-stream),
// /embeddings, /audio/speech, /audio/transcriptions and, when asked for, /images/generations.
// Every request is recorded (multipart bodies as their fields, files as {name, type, size}).

export interface RecordedRequest {
  method: string;
  path: string;
  /** The query string ("?a=b", or ""). */
  query?: string;
  headers: Record<string, string>;
  body: any;
}

export interface FakeOpenAIOptions {
  /** Fixed port (default: any free one). */
  port?: number;
  models?: { id: string; [key: string]: unknown }[];
  /** Milliseconds before /models answers. */
  modelsDelayMs?: number;
  /** The reply's text, sent as one delta per token. */
  tokens?: string[];
  /** The reply's tokens for one request (e.g. a task prompt); undefined falls back to `tokens`. */
  reply?: (body: Record<string, any>) => string[] | undefined;
  /** Reasoning deltas sent before the text (delta.reasoning_content). */
  reasoning?: string[];
  /** Milliseconds between streamed chunks. */
  chunkDelayMs?: number;
  /** Close the connection after this many chunks (a failure mid-stream). */
  failAfter?: number;
  /** Answer chat completions with this status and JSON body. */
  error?: { status: number; body: unknown };
  usage?: boolean;
  /** Answer browsers' cross-origin requests (CORS), as an endpoint used by a direct connection must. */
  cors?: boolean;
  /** An `{"error": …}` line sent after the text. */
  streamError?: unknown;
  /**
   * Tool calls the reply makes, after its text, for one request (streamed as delta.tool_calls
   * with the arguments split over two chunks); undefined or empty = none.
   */
  toolCalls?: (body: Record<string, any>) => FakeToolCall[] | undefined;
  /** Answer POST /images/generations (404 without it). */
  images?: FakeImagesOptions;
  /** The text /audio/transcriptions answers. */
  transcript?: string;
  /** Answer /audio/speech and /audio/transcriptions with this status and body (JSON unless a string). */
  audioError?: { status: number; body: unknown };
}

export interface FakeToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface FakeImagesOptions {
  /** b64_json (default) or url: a URL of this server (or `url` below) serving the PNG. */
  format?: "b64_json" | "url";
  /** The URL answered in url format instead of this server's own. */
  url?: string;
  /** Answer with this status and JSON body. */
  error?: { status: number; body: unknown };
}

/** A 1x1 PNG. */
export const PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
export const PNG_BYTES = new Uint8Array(Buffer.from(PNG_BASE64, "base64"));

export interface FakeOpenAI {
  url: string;
  requests: RecordedRequest[];
  options: FakeOpenAIOptions;
  /** Resolves once a streaming response was cancelled by the client. */
  cancelled: () => number;
  stop(): Promise<void>;
}

const encoder = new TextEncoder();
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

export function chunk(model: string, delta: Record<string, unknown>, finish: string | null = null) {
  return { id: "chatcmpl-fake", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta, finish_reason: finish }] };
}

/** With `cors`, a browser page of another origin may call the server (a direct connection). */
function allowingBrowsers(options: FakeOpenAIOptions, handle: (request: Request) => Promise<Response>) {
  const headers = { "access-control-allow-origin": "*", "access-control-allow-headers": "authorization, content-type", "access-control-allow-methods": "GET, POST" };
  return async (request: Request): Promise<Response> => {
    if (!options.cors) return handle(request);
    if (request.method === "OPTIONS") return new Response(null, { status: 204, headers });
    const response = await handle(request);
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  };
}

async function readBody(request: Request): Promise<unknown> {
  if (request.method === "GET") return null;
  if ((request.headers.get("content-type") ?? "").startsWith("multipart/form-data")) {
    const form = await request.formData();
    const fields: Record<string, unknown> = {};
    form.forEach((value, name) => {
      fields[name] = typeof value === "string" ? value : { name: value.name, type: value.type, size: value.size };
    });
    return fields;
  }
  const text = await request.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

export function startFakeOpenAI(initial: FakeOpenAIOptions = {}): FakeOpenAI {
  const requests: RecordedRequest[] = [];
  const options: FakeOpenAIOptions = { models: [{ id: "gpt-fake" }], tokens: ["Hello", " world", "!"], ...initial };
  let cancelled = 0;

  const server = Bun.serve({
    port: initial.port ?? 0,
    hostname: "127.0.0.1",
    idleTimeout: 0,
    fetch: allowingBrowsers(options, async (request) => {
      const url = new URL(request.url);
      const body = await readBody(request);
      requests.push({ method: request.method, path: url.pathname, query: url.search, headers: Object.fromEntries(request.headers), body });

      if (url.pathname === "/v1/models" && request.method === "GET") {
        if (options.modelsDelayMs) await sleep(options.modelsDelayMs);
        const data = (options.models ?? []).map((m) => ({ object: "model", created: 1700000000, owned_by: "fake", ...m }));
        return Response.json({ object: "list", data });
      }
      if (url.pathname.endsWith("/embeddings")) {
        const input = (body as any)?.input;
        const items = Array.isArray(input) ? input : [input];
        return Response.json({
          object: "list",
          data: items.map((_: unknown, index: number) => ({ object: "embedding", embedding: [0.1, 0.2, 0.3], index })),
          model: (body as any)?.model,
        });
      }
      if (url.pathname.endsWith("/images/generations") && request.method === "POST" && options.images) {
        const images = options.images;
        if (images.error) return Response.json(images.error.body, { status: images.error.status });
        const count = Number((body as any)?.n ?? 1);
        const own = `${url.origin}/v1/images/files/generated.png`;
        const item = images.format === "url" ? { url: images.url ?? own } : { b64_json: PNG_BASE64 };
        return Response.json({ created: 1, data: Array.from({ length: count }, () => ({ ...item, revised_prompt: "a revised prompt" })) });
      }
      if (url.pathname === "/v1/images/files/generated.png" && options.images) {
        return new Response(PNG_BYTES, { headers: { "content-type": "image/png" } });
      }
      if (url.pathname.endsWith("/audio/speech") || url.pathname.endsWith("/audio/transcriptions")) {
        const failure = options.audioError;
        if (failure) {
          const text = typeof failure.body === "string" ? failure.body : JSON.stringify(failure.body);
          return new Response(text, { status: failure.status, headers: { "content-type": typeof failure.body === "string" ? "text/html" : "application/json" } });
        }
        if (url.pathname.endsWith("/audio/speech")) {
          return new Response(new Uint8Array([73, 68, 51]), { headers: { "content-type": "audio/mpeg" } });
        }
        return Response.json({ text: options.transcript ?? "Hello from the recording" });
      }
      if (url.pathname.endsWith("/chat/completions")) {
        if (options.error) return Response.json(options.error.body, { status: options.error.status });
        const payload = (body ?? {}) as Record<string, any>;
        const model = String(payload.model ?? "gpt-fake");
        const tokens = options.reply?.(payload) ?? options.tokens ?? [];
        const calls = options.toolCalls?.(payload) ?? [];
        if (!payload.stream) {
          const toolCalls = calls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }));
          const message = { role: "assistant", content: tokens.join(""), ...(toolCalls.length ? { tool_calls: toolCalls } : {}) };
          return Response.json({
            id: "chatcmpl-fake",
            object: "chat.completion",
            created: 1,
            model,
            choices: [{ index: 0, message, finish_reason: toolCalls.length ? "tool_calls" : "stop" }],
            usage: { prompt_tokens: 3, completion_tokens: tokens.length, total_tokens: 3 + tokens.length },
          });
        }
        const chunks: unknown[] = [chunk(model, { role: "assistant", content: "" })];
        for (const r of options.reasoning ?? []) chunks.push(chunk(model, { reasoning_content: r }));
        for (const t of tokens) chunks.push(chunk(model, { content: t }));
        calls.forEach((c, index) => {
          const half = Math.floor(c.arguments.length / 2);
          chunks.push(chunk(model, { tool_calls: [{ index, id: c.id, type: "function", function: { name: c.name, arguments: "" } }] }));
          chunks.push(chunk(model, { tool_calls: [{ index, function: { arguments: c.arguments.slice(0, half) } }] }));
          chunks.push(chunk(model, { tool_calls: [{ index, function: { arguments: c.arguments.slice(half) } }] }));
        });
        if (options.streamError) chunks.push({ error: options.streamError });
        chunks.push(chunk(model, {}, calls.length ? "tool_calls" : "stop"));
        if (options.usage) chunks.push({ ...chunk(model, {}), choices: [], usage: { prompt_tokens: 3, completion_tokens: tokens.length } });
        let i = 0;
        const stream = new ReadableStream<Uint8Array>({
          async pull(controller) {
            if (options.chunkDelayMs) await sleep(options.chunkDelayMs);
            if (options.failAfter !== undefined && i >= options.failAfter) {
              controller.error(new Error("upstream failed"));
              return;
            }
            if (i < chunks.length) controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunks[i++])}\n\n`));
            else {
              controller.enqueue(encoder.encode("data: [DONE]\n\n"));
              controller.close();
            }
          },
          cancel() {
            cancelled++;
          },
        });
        return new Response(stream, { headers: { "content-type": "text/event-stream" } });
      }
      return Response.json({ error: { message: `no route ${url.pathname}` } }, { status: 404 });
    }),
  });

  return {
    url: `http://127.0.0.1:${server.port}/v1`,
    requests,
    options,
    cancelled: () => cancelled,
    stop: async () => {
      await server.stop(true);
    },
  };
}
