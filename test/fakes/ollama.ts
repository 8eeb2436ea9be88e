// A small Ollama server on loopback: tags, ps, version, chat and generate (NDJSON or JSON),
// embeddings, show, pull/push/create (progress streams), copy, delete, blobs and the
// OpenAI-compatible /v1 routes. Every request is recorded.
import type { RecordedRequest } from "./openai";

export interface FakeOllamaOptions {
  /** Fixed port (default: any free one). */
  port?: number;
  models?: string[];
  version?: string;
  tokens?: string[];
  /** Tokens for one /api/chat request instead of `tokens` when it returns some (e.g. for a task's prompt). */
  tokensFor?: (body: any) => string[] | undefined;
  thinking?: string[];
  chunkDelayMs?: number;
  /** Expiry reported by /api/ps for the first model. */
  loadedUntil?: string;
  error?: { status: number; body: unknown };
}

export interface FakeOllama {
  url: string;
  requests: RecordedRequest[];
  options: FakeOllamaOptions;
  /** How many streamed chat replies the client cancelled. */
  cancelled: () => number;
  stop(): Promise<void>;
}

const encoder = new TextEncoder();
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function ndjson(lines: unknown[], delayMs = 0, onCancel?: () => void): Response {
  let i = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (delayMs) await sleep(delayMs);
      if (i < lines.length) controller.enqueue(encoder.encode(`${JSON.stringify(lines[i++])}\n`));
      else controller.close();
    },
    cancel() {
      onCancel?.();
    },
  });
  return new Response(stream, { headers: { "content-type": "application/x-ndjson" } });
}

export function startFakeOllama(initial: FakeOllamaOptions = {}): FakeOllama {
  const requests: RecordedRequest[] = [];
  const options: FakeOllamaOptions = { models: ["llama3:latest"], version: "0.5.7", tokens: ["Hi", " there"], ...initial };
  let cancelled = 0;

  const server = Bun.serve({
    port: initial.port ?? 0,
    hostname: "127.0.0.1",
    async fetch(request) {
      const url = new URL(request.url);
      const text = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();
      let body: any = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {}
      requests.push({ method: request.method, path: url.pathname, headers: Object.fromEntries(request.headers), body });
      const path = url.pathname;
      const models = options.models ?? [];
      if (options.error && path !== "/api/tags" && path !== "/api/version" && path !== "/api/ps") {
        return Response.json(options.error.body, { status: options.error.status });
      }

      if (path === "/api/tags") {
        return Response.json({
          models: models.map((name) => ({
            name,
            model: name,
            modified_at: "2024-01-01T00:00:00Z",
            size: 1000,
            digest: `digest-${name}`,
            details: { family: "llama", parameter_size: "8B" },
          })),
        });
      }
      if (path === "/api/ps") {
        const first = models[0];
        return Response.json({
          models: options.loadedUntil && first ? [{ name: first, model: first, expires_at: options.loadedUntil }] : [],
        });
      }
      if (path === "/api/version") return Response.json({ version: options.version });
      if (path === "/api/chat") {
        const tokens = options.tokensFor?.(body) ?? options.tokens ?? [];
        const model = body?.model;
        if (body?.stream === false) {
          return Response.json({
            model,
            message: { role: "assistant", content: tokens.join(""), ...(options.thinking ? { thinking: options.thinking.join("") } : {}) },
            done: true,
            eval_count: tokens.length,
            eval_duration: 1_000_000,
            prompt_eval_count: 2,
            prompt_eval_duration: 500_000,
            total_duration: 2_000_000_000,
          });
        }
        const lines: unknown[] = [];
        for (const t of options.thinking ?? []) lines.push({ model, message: { role: "assistant", content: "", thinking: t }, done: false });
        for (const t of tokens) lines.push({ model, message: { role: "assistant", content: t }, done: false });
        lines.push({ model, message: { role: "assistant", content: "" }, done: true, eval_count: tokens.length, eval_duration: 1_000_000 });
        return ndjson(lines, options.chunkDelayMs, () => cancelled++);
      }
      if (path === "/api/generate" && !body?.prompt) return Response.json({ model: body?.model, done: true, done_reason: "unload" });
      if (path === "/api/generate") {
        if (body?.stream === false) return Response.json({ model: body?.model, response: (options.tokens ?? []).join(""), done: true });
        return ndjson([...(options.tokens ?? []).map((t) => ({ model: body?.model, response: t, done: false })), { done: true }]);
      }
      if (path === "/api/embed") return Response.json({ model: body?.model, embeddings: [[0.1, 0.2]] });
      if (path === "/api/embeddings") return Response.json({ embedding: [0.5, 0.6] });
      if (path === "/api/show") return Response.json({ modelfile: `FROM ${body?.model}`, details: { family: "llama" } });
      if (path === "/api/pull" || path === "/api/push" || path === "/api/create") {
        return ndjson([{ status: "working" }, { status: "success" }]);
      }
      if (path === "/api/copy" || path === "/api/delete") {
        const name = body?.source ?? body?.model;
        if (!models.includes(name)) return Response.json({ error: `model '${name}' not found` }, { status: 404 });
        return new Response(null, { status: 200 });
      }
      if (path.startsWith("/api/blobs/")) return new Response(null, { status: 201 });
      if (path === "/v1/chat/completions" || path === "/v1/completions") {
        return Response.json({ id: "cmpl", object: "chat.completion", model: body?.model, choices: [{ index: 0, message: { role: "assistant", content: "ok" } }] });
      }
      return Response.json({ error: "not found" }, { status: 404 });
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    options,
    cancelled: () => cancelled,
    stop: async () => {
      await server.stop(true);
    },
  };
}
