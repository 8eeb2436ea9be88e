// Direct connections (generate_direct_chat_completion): the model is one of the user's own
// OpenAI-compatible endpoints, which only their browser can reach. The server asks the browser
// session that sent the message to call it (`request:chat:completion`). A whole answer comes back
// as the acknowledgement; a streamed one as socket events on a channel named after the request,
// one SSE line each, until `{done: true}`, and then goes through the usual reply pipeline.
import type { AppContext } from "../context";
import { isUsersSession } from "./browser-session";
import { ChatError } from "./errors";
import { isRecord, type Json } from "./payload";
import type { UpstreamReply } from "./reply";

/** How long the browser may take to start answering, and between two parts of a stream. */
const CALL_TIMEOUT_MS = 300_000;
const encoder = new TextEncoder();
const TIMED_OUT = Symbol("timed out");

export async function directCompletion(ctx: AppContext, form: Json, metadata: Json): Promise<UpstreamReply> {
  const { metadata: _, ...formData } = form;
  const sessionId = typeof metadata.session_id === "string" ? metadata.session_id : "";
  if (!(await isUsersSession(ctx, metadata.user_id, sessionId))) throw new ChatError("Direct connections need the browser's socket session");
  const channel = `${metadata.user_id}:${sessionId}:${crypto.randomUUID()}`;
  const request = (data: Json) =>
    ctx.emit.call(
      sessionId,
      "chat-events",
      { chat_id: metadata.chat_id ?? null, message_id: metadata.message_id ?? null, data: { type: "request:chat:completion", data } },
      CALL_TIMEOUT_MS,
    );
  const data = { form_data: formData, model: metadata.model, channel, session_id: sessionId };
  if (!formData.stream) {
    const answer = await askBrowser(() => request(data));
    if (isRecord(answer) && answer.error) throw new ChatError(describe(answer.error));
    return { kind: "json", status: 200, body: answer };
  }
  const lines = new LineQueue();
  const unsubscribe = ctx.emit.onClientEvent(channel, (payload, source) => {
    if (source.sessionId === sessionId) lines.push(payload);
  });
  try {
    const answer = await askBrowser(() => request(data));
    if (!isRecord(answer) || !answer.status) throw new ChatError(describe(answer));
  } catch (error) {
    unsubscribe();
    throw error;
  }
  return { kind: "sse", status: 200, headers: new Headers({ "content-type": "text/event-stream" }), body: lines.stream(unsubscribe) };
}

async function askBrowser(call: () => Promise<unknown>): Promise<unknown> {
  try {
    return await call();
  } catch {
    throw new ChatError("The browser did not answer the direct connection request");
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return value;
  if (isRecord(value) && isRecord(value.error) && typeof value.error.message === "string") return value.error.message;
  if (isRecord(value) && typeof value.message === "string") return value.message;
  return JSON.stringify(value ?? null);
}

/** What the browser sends on the channel, as an SSE body: strings are lines, objects are data. */
class LineQueue {
  private waiting: ((payload: unknown) => void) | null = null;
  private queued: unknown[] = [];

  push(payload: unknown): void {
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve(payload);
    } else this.queued.push(payload);
  }

  private next(): Promise<unknown> {
    if (this.queued.length > 0) return Promise.resolve(this.queued.shift());
    return new Promise((resolve) => (this.waiting = resolve));
  }

  stream(onEnd: () => void): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const payload = await Promise.race([this.next(), Bun.sleep(CALL_TIMEOUT_MS).then(() => TIMED_OUT)]);
        if (payload === TIMED_OUT) {
          onEnd();
          controller.error(new Error("The browser stopped sending the direct connection's answer"));
          return;
        }
        if (isRecord(payload) && payload.done) {
          onEnd();
          controller.close();
        } else if (typeof payload === "string") controller.enqueue(encoder.encode(`${payload}\n\n`));
        else if (isRecord(payload)) controller.enqueue(encoder.encode(`data: ${JSON.stringify(payload)}\n\n`));
      },
      cancel: onEnd,
    });
  }
}
