// generate_chat_completion of utils/chat.py: the arena picks a model, Ollama models go through
// the OpenAI⇄Ollama conversion, everything else to its OpenAI-compatible connection.
import type { AppContext } from "../context";
import type { ModelCatalog } from "../models/catalog";
import { ollamaChat } from "../ollama/chat";
import { ollamaResponseToOpenAI, openaiPayloadToOllama } from "../ollama/convert";
import type { CallerCredentials } from "../openai/connections";
import { openaiChatCompletion, type Caller } from "../openai/completions";
import { isRecord, type Json } from "./payload";
import { directCompletion } from "./direct";
import { ChatError } from "./errors";
import type { UpstreamReply } from "./reply";
import { pipeCompletion } from "../functions/pipe";

export { ChatError } from "./errors";

export interface DispatchOptions {
  credentials?: CallerCredentials;
  bypassFilter?: boolean;
  signal?: AbortSignal;
}

export async function dispatchCompletion(
  ctx: AppContext,
  catalog: ModelCatalog,
  form: Json,
  user: Caller & { role: string },
  options: DispatchOptions = {},
): Promise<UpstreamReply> {
  if (isRecord(form.metadata) && form.metadata.direct) return directCompletion(ctx, form, form.metadata);
  const bypass = options.bypassFilter || catalog.settings.bypassModelAccess;
  const { byId } = catalog.current();
  const model = byId.get(form.model as string);
  if (!model) throw new ChatError("Model not found");
  if (!bypass && user.role === "user" && !(await catalog.canUse(user, model))) throw new ChatError("Model not found");

  if (model.owned_by === "arena") return arena(ctx, catalog, form, user, model, options);
  if (model.pipe) return pipeCompletion(ctx, catalog, form, user, options.signal);
  if (model.owned_by === "ollama") {
    const reply = await ollamaChat(ctx, catalog, openaiPayloadToOllama(form), user, {
      bypassFilter: bypass,
      signal: options.signal,
    });
    return reply.kind === "json" && isRecord(reply.body) ? { ...reply, body: ollamaResponseToOpenAI(reply.body) } : reply;
  }
  return openaiChatCompletion(ctx, catalog, form, user, {
    credentials: options.credentials,
    bypassFilter: bypass,
    signal: options.signal,
  });
}

async function arena(
  ctx: AppContext,
  catalog: ModelCatalog,
  form: Json,
  user: Caller & { role: string },
  model: Json,
  options: DispatchOptions,
): Promise<UpstreamReply> {
  const meta = isRecord(model.info) && isRecord(model.info.meta) ? model.info.meta : {};
  const others = catalog
    .current()
    .list.filter((m) => m.owned_by !== "arena")
    .map((m) => m.id as string);
  let candidates = Array.isArray(meta.model_ids) ? (meta.model_ids as string[]) : [];
  if (candidates.length > 0 && meta.filter_mode === "exclude") candidates = others.filter((id) => !candidates.includes(id));
  if (candidates.length === 0) candidates = others;
  if (candidates.length === 0) throw new ChatError("Model not found");
  const selected = candidates[Math.floor(Math.random() * candidates.length)] as string;
  const reply = await dispatchCompletion(ctx, catalog, { ...form, model: selected }, user, { ...options, bypassFilter: true });
  if (reply.kind === "json") {
    return isRecord(reply.body) ? { ...reply, body: { ...reply.body, selected_model_id: selected } } : reply;
  }
  return { ...reply, prefix: `data: ${JSON.stringify({ selected_model_id: selected })}\n\n` };
}
