// POST /api/chat on an Ollama node for one model (routers/ollama.py generate_chat_completion).
import type { AppContext } from "../context";
import { HttpError } from "../core/errors";
import type { ModelCatalog } from "../models/catalog";
import { applyModelRow, type Caller } from "../openai/completions";
import { applyModelParamsOllama, isRecord, type Json } from "../chat/payload";
import type { UpstreamReply } from "../chat/reply";
import { ollamaHeaders, withoutPrefix, withTag } from "./connections";
import { nodeForModel, postToOllama, requireNode } from "./upstream";

export interface OllamaCallOptions {
  urlIdx?: number;
  bypassFilter?: boolean;
  signal?: AbortSignal;
}

/** GenerateChatCompletionForm: messages keep role, content, tool_calls and images only. */
function validChatForm(form: Json): Json {
  if (typeof form.model !== "string") throw new HttpError(400, "model: Input should be a valid string");
  if (!Array.isArray(form.messages)) throw new HttpError(400, "messages: Input should be a valid list");
  const messages = form.messages.map((message, i) => {
    if (!isRecord(message) || typeof message.role !== "string") {
      throw new HttpError(400, `messages.${i}.role: Field required`);
    }
    const content = message.content;
    if (content !== undefined && content !== null && typeof content !== "string") {
      throw new HttpError(400, `messages.${i}.content: Input should be a valid string`);
    }
    if ((content === undefined || content === null) && !Array.isArray(message.tool_calls) && "content" in message) {
      throw new HttpError(400, `messages.${i}.content: At least one of 'content' or 'tool_calls' must be provided`);
    }
    const out: Json = { role: message.role };
    if (typeof content === "string") out.content = content;
    if (Array.isArray(message.tool_calls)) out.tool_calls = message.tool_calls;
    if (Array.isArray(message.images)) out.images = message.images;
    return out;
  });
  const payload: Json = {};
  for (const [key, value] of Object.entries(form)) if (value !== null && value !== undefined) payload[key] = value;
  payload.messages = messages;
  payload.stream = form.stream ?? true;
  return payload;
}

export async function ollamaChat(
  ctx: AppContext,
  catalog: ModelCatalog,
  form: Json,
  user: Caller & { role: string },
  options: OllamaCallOptions = {},
): Promise<UpstreamReply> {
  const bypass = options.bypassFilter || catalog.settings.bypassModelAccess;
  const input: Json = { ...form };
  const metadata = (input.metadata as Json | undefined) ?? null;
  delete input.metadata;
  let payload = validChatForm(input);
  payload = (await applyModelRow(catalog, payload, user, metadata, bypass, "ollama", applyModelParamsOllama)).payload;
  payload.model = withTag(String(payload.model));
  const node =
    options.urlIdx === undefined
      ? await nodeForModel(ctx, catalog, payload.model as string)
      : requireNode(ctx, options.urlIdx, user.role !== "admin");
  payload.model = withoutPrefix(node, payload.model as string);
  return postToOllama(
    catalog.upstream,
    `${node.url}/api/chat`,
    ollamaHeaders(catalog.upstream, node, user, metadata?.chat_id as string | undefined),
    JSON.stringify(payload),
    payload.stream === true,
    options.signal,
  );
}
