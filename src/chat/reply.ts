// What an upstream answered, before it is relayed over HTTP or turned into socket events.
import { passableHeaders } from "../core/upstream";
import { ollamaChunkToOpenAI } from "../ollama/convert";
import { isRecord, type Json } from "./payload";

export type UpstreamReply =
  /** An OpenAI-style SSE body, relayed as is (after `prefix`, e.g. the arena's choice). */
  | { kind: "sse"; status: number; headers: Headers; body: ReadableStream<Uint8Array>; prefix?: string }
  /** An Ollama NDJSON chat stream, converted to OpenAI chunks on the way. */
  | { kind: "ndjson"; status: number; headers: Headers; body: ReadableStream<Uint8Array>; prefix?: string }
  /** A whole answer: upstream JSON (or text) with the upstream status. */
  | { kind: "json"; status: number; body: unknown };

const encoder = new TextEncoder();

/** Splits a byte stream into lines (without the newline), decoding UTF-8 across chunks. */
export async function* readLines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of body) {
    const text = pending + decoder.decode(chunk, { stream: true });
    let start = 0;
    let end = text.indexOf("\n", start);
    while (end !== -1) {
      yield text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
      start = end + 1;
      end = text.indexOf("\n", start);
    }
    pending = start === 0 ? text : text.slice(start);
  }
  const rest = pending + decoder.decode();
  if (rest) yield rest;
}

/** Ollama NDJSON → `data: {chunk}` SSE, ending with `data: [DONE]`. */
export function ndjsonToSse(body: ReadableStream<Uint8Array>, prefix = ""): ReadableStream<Uint8Array> {
  const lines = readLines(body);
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        if (prefix) {
          controller.enqueue(encoder.encode(prefix));
          return;
        }
      }
      for (;;) {
        const next = await lines.next();
        if (next.done) {
          controller.enqueue(encoder.encode("data: [DONE]\n\n"));
          controller.close();
          return;
        }
        if (!next.value.trim()) continue;
        let parsed: unknown;
        try {
          parsed = JSON.parse(next.value);
        } catch {
          continue;
        }
        if (!isRecord(parsed)) continue;
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(ollamaChunkToOpenAI(parsed))}\n\n`));
        return;
      }
    },
    async cancel(reason) {
      await lines.return(undefined);
      await body.cancel(reason).catch(() => {});
    },
  });
}

function withPrefix(body: ReadableStream<Uint8Array>, prefix: string): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let sentPrefix = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sentPrefix) {
        sentPrefix = true;
        controller.enqueue(encoder.encode(prefix));
        return;
      }
      const { value, done } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** The HTTP response for a caller without a socket (SSE relayed, JSON with upstream status). */
export function replyToResponse(reply: UpstreamReply): Response {
  if (reply.kind === "json") {
    const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
    const type = typeof reply.body === "string" ? "text/plain; charset=utf-8" : "application/json";
    return new Response(text, { status: reply.status, headers: { "content-type": type } });
  }
  const headers = passableHeaders(reply.headers);
  headers.set("content-type", "text/event-stream");
  if (reply.kind === "ndjson") return new Response(ndjsonToSse(reply.body, reply.prefix), { status: reply.status, headers });
  const body = reply.prefix ? withPrefix(reply.body, reply.prefix) : reply.body;
  return new Response(body, { status: reply.status, headers });
}

/** Parsed chunks of a streamed reply, for the socket path. Lines that are not JSON are skipped. */
export async function* replyChunks(reply: Extract<UpstreamReply, { kind: "sse" | "ndjson" }>): AsyncGenerator<Json> {
  if (reply.prefix) {
    const data = reply.prefix.replace(/^data:\s*/, "").trim();
    const parsed = safeParse(data);
    if (parsed) yield parsed;
  }
  for await (const line of readLines(reply.body)) {
    if (reply.kind === "ndjson") {
      const parsed = line.trim() ? safeParse(line) : null;
      if (parsed) yield ollamaChunkToOpenAI(parsed);
      continue;
    }
    if (!line.startsWith("data:")) continue;
    const data = line.slice(5).trim();
    if (!data || data === "[DONE]") continue;
    const parsed = safeParse(data);
    if (parsed) yield parsed;
  }
}

function safeParse(text: string): Json | null {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}
