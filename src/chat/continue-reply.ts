// After a streamed answer ends in tool calls or a code block, the model is asked again and its
// answer streams into the same message: the step both native function calling and the code
// interpreter repeat.
import type { AppContext } from "../context";
import type { ModelCatalog } from "../models/catalog";
import type { CallerCredentials } from "../openai/connections";
import type { UserRow } from "../users/repository";
import { dispatchCompletion } from "./dispatch";
import type { Json } from "./payload";
import { replyChunks } from "./reply";
import type { ReplyStream } from "./stream";

export interface ReplyRounds {
  ctx: AppContext;
  catalog: ModelCatalog;
  user: UserRow;
  /** The request as first sent: model, tools, metadata (session, chat and message ids). */
  form: Json;
  /** The conversation as it was before the first call (the model's system prompt not yet added). */
  messages: Json[];
  stream: ReplyStream;
  credentials?: CallerCredentials;
  signal: AbortSignal;
  /** Saves the reply so far. */
  save(content: string): Promise<void>;
}

/** Sends `next` and streams the answer into the message, stopping where a code block closes. */
export async function continueReply(r: ReplyRounds, next: Json, after: string): Promise<void> {
  let reply;
  try {
    reply = await dispatchCompletion(r.ctx, r.catalog, next, r.user, { credentials: r.credentials, signal: r.signal });
  } catch (error) {
    r.ctx.log.warn(`the call after ${after} failed`, error);
    return;
  }
  if (reply.kind === "json") return;
  for await (const chunk of replyChunks(reply)) {
    if (r.signal.aborted) return;
    r.stream.handle(chunk);
    if (r.stream.codeClosed) break;
  }
  r.stream.finish();
}
