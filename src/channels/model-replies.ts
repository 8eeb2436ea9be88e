// Models mentioned in a channel message answer in its thread (model_response_handler of
// routers/channels.py, 0.6.32). The answer is a message of the poster with `meta.model_id`,
// posted empty first and filled in once the model has answered (one completion, not streamed).
import type { AppContext } from "../context";
import { dispatchCompletion } from "../chat/dispatch";
import { isRecord, type Json } from "../chat/payload";
import { catalogFor } from "../models/catalog";
import { findUserById, type UserRow } from "../users/repository";
import { findMessage, listThreadMessages, type MessageForm, type MessageRow } from "./messages";

export interface Mention {
  id_type: string;
  id: string;
}

/** `<@M:model-id|Label>` and the like: the kind letter and the id of every mention. */
export function extractMentions(text: string): Mention[] {
  return [...text.matchAll(/<@([A-Z]):([^|>]+)/g)].map((match) => ({ id_type: match[1] as string, id: match[2] as string }));
}

/** Every mention written as its label, or as its id when it has none. */
export function replaceMentions(text: string): string {
  return text.replace(/<@([A-Z]):([^|>]+)(?:\|([^>]+))?>/g, (_whole, _type, id: string, label?: string) => label || id);
}

/** How the answer reaches the channel: posted and edited with the same events as the routes. */
export interface ChannelWriter {
  post(form: MessageForm): Promise<MessageRow>;
  update(messageId: string, form: MessageForm): Promise<void>;
}

const HISTORY_LIMIT = 50;

const metaOf = (row: MessageRow | undefined): Json => (row && isRecord(row.meta) ? row.meta : {});
const modelIdOf = (row: MessageRow | undefined) => {
  const id = metaOf(row).model_id;
  return typeof id === "string" && id ? id : null;
};

/** The models to answer: the author of the replied-to message if a model, then the mentioned ones. */
async function modelsAsked(ctx: AppContext, message: MessageRow): Promise<string[]> {
  const ids: string[] = [];
  const repliedTo = message.reply_to_id ? modelIdOf(await findMessage(ctx.db, message.reply_to_id)) : null;
  if (repliedTo) ids.push(repliedTo);
  for (const mention of extractMentions(message.content ?? "")) {
    if (mention.id_type === "M" && !ids.includes(mention.id)) ids.push(mention.id);
  }
  return ids;
}

/** Answers the message from every model it asks and the poster may use; failures stay quiet. */
export async function answerMentionedModels(ctx: AppContext, message: MessageRow, user: UserRow, writer: ChannelWriter): Promise<boolean> {
  const ids = await modelsAsked(ctx, message);
  if (ids.length === 0) return false;
  const catalog = catalogFor(ctx);
  const { byId } = await catalog.models({ user });
  const usable = async (id: string) => {
    const model = byId.get(id);
    return model && (await catalog.canUse(user, model)) ? model : undefined;
  };
  for (const id of ids) {
    const model = await usable(id);
    if (!model) continue;
    try {
      await answerAs(ctx, { id, name: typeof model.name === "string" ? model.name : id }, message, user, writer, usable);
    } catch (error) {
      ctx.log.info("channel model reply failed", error instanceof Error ? error.message : error);
    }
  }
  return true;
}

type Usable = (id: string) => Promise<Json | undefined>;

async function answerAs(
  ctx: AppContext,
  model: { id: string; name: string },
  message: MessageRow,
  user: UserRow,
  writer: ChannelWriter,
  usable: Usable,
) {
  const threadId = message.parent_id ?? message.id;
  const thread = (await listThreadMessages(ctx.db, message.channel_id as string, threadId, { skip: 0, limit: HISTORY_LIMIT })).reverse();
  const answer = await writer.post({
    parent_id: threadId,
    content: "",
    data: {},
    meta: { model_id: model.id, model_name: model.name },
  });
  const { history, images } = await threadHistory(ctx, thread, usable);
  const reply = await dispatchCompletion(ctx, catalogFor(ctx), completionForm(model, history, images, user, message), user);
  const content = reply.kind === "json" ? completionText(reply.body) : undefined;
  if (reply.kind !== "json") await reply.body.cancel().catch(() => {});
  if (content === undefined) return;
  await writer.update(answer.id, { content, meta: { done: true } });
}

/** "Name: text" per message (models by their name) and the images attached in the thread. */
async function threadHistory(ctx: AppContext, thread: MessageRow[], usable: Usable) {
  const names = new Map<string, string>();
  const authorName = async (row: MessageRow) => {
    const modelId = modelIdOf(row);
    if (modelId) {
      const model = await usable(modelId);
      return model && typeof model.name === "string" ? model.name : modelId;
    }
    const userId = row.user_id ?? "";
    if (!names.has(userId)) names.set(userId, (await findUserById(ctx.db, userId))?.name ?? "Unknown");
    return names.get(userId) as string;
  };
  const history: string[] = [];
  const images: string[] = [];
  for (const row of thread) {
    history.push(`${await authorName(row)}: ${replaceMentions(row.content ?? "")}`);
    const files = isRecord(row.data) && Array.isArray(row.data.files) ? row.data.files : [];
    for (const file of files) {
      if (isRecord(file) && file.type === "image") images.push(typeof file.url === "string" ? file.url : "");
    }
  }
  return { history, images };
}

function completionForm(model: { id: string; name: string }, history: string[], images: string[], user: UserRow, message: MessageRow): Json {
  // The reference joins the history lines without a separator; the prompt keeps that shape.
  const context = history.length
    ? `Here's the thread history:\n\n${history.join("")}\n\nContinue the conversation naturally as ${model.name}, addressing the most recent message while being aware of the full context.`
    : "";
  const system = `You are ${model.name}, participating in a threaded conversation. Be concise and conversational.${context}`;
  const text = `${user.name || "User"}: ${replaceMentions(message.content ?? "")}`;
  const content = images.length
    ? [{ type: "text", text }, ...images.map((url) => ({ type: "image_url", image_url: { url } }))]
    : text;
  return {
    model: model.id,
    messages: [
      { role: "system", content: system },
      { role: "user", content },
    ],
    stream: false,
  };
}

function completionText(body: unknown): string | undefined {
  if (!isRecord(body) || !Array.isArray(body.choices)) return undefined;
  const first = body.choices[0];
  const content = isRecord(first) && isRecord(first.message) ? first.message.content : undefined;
  return typeof content === "string" ? content : undefined;
}
