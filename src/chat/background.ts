// After a reply is done: follow-up suggestions, the chat title and its tags, as the frontend
// asked in `background_tasks` (the background_tasks_handler of the reference).
import type { AppContext } from "../context";
import type { ModelCatalog } from "../models/catalog";
import type { CallerCredentials } from "../openai/connections";
import { completionObject, runTask, type TaskCaller } from "../tasks/generate";
import { contentText, lastUserMessage, type ChatMessage } from "../tasks/prompt";
import { taskRefusal } from "../tasks/routes";
import type { ChatStore } from "./ports";
import { isRecord, type Json } from "./payload";

const DETAILS_AND_IMAGES = /<details\b[^>]*>[\s\S]*?<\/details>|!\[[\s\S]*?\]\([\s\S]*?\)/gi;

/** Root → message along parentId links (get_message_list). */
export function messageChain(messages: Record<string, Json>, messageId: string): Json[] {
  const chain: Json[] = [];
  const seen = new Set<string>();
  let current: Json | undefined = messages[messageId];
  while (current && !seen.has(String(current.id))) {
    seen.add(String(current.id));
    chain.unshift(current);
    const parent = current.parentId;
    current = typeof parent === "string" ? messages[parent] : undefined;
  }
  return chain;
}

/** The messages a task model sees: text only, without reasoning blocks and images. */
export function taskMessages(chain: Json[]): ChatMessage[] {
  return chain.map((message) => {
    let content: unknown = message.content ?? "";
    if (Array.isArray(content)) content = contentText({ role: "user", content }) ?? content;
    if (typeof content === "string") content = content.replace(DETAILS_AND_IMAGES, "").trim();
    return { ...message, role: typeof message.role === "string" ? message.role : "assistant", content };
  });
}

export interface BackgroundContext {
  ctx: AppContext;
  catalog: ModelCatalog;
  chats: ChatStore;
  user: TaskCaller;
  chatId: string;
  messageId: string;
  credentials?: CallerCredentials;
  /** The chat request's metadata (a direct connection's tasks go through the same browser). */
  metadata?: Json;
  emit(event: { type: string; data?: unknown }): void;
}

export async function runBackgroundTasks(b: BackgroundContext, tasks: Json | null | undefined): Promise<void> {
  if (!isRecord(tasks)) return;
  const all = await b.chats.messages(b.user.id, b.chatId);
  const message = all?.[b.messageId];
  if (!all || !message) return;
  const messages = taskMessages(messageChain(all, b.messageId));
  if (messages.length === 0) return;
  const form = { model: message.model, messages, chat_id: b.chatId };
  const ask = async (kind: "title" | "follow_up" | "tags") => {
    const extra = kind === "follow_up" ? { message_id: b.messageId } : {};
    const body = { ...form, ...extra };
    const refused = taskRefusal(b.ctx, kind, body);
    if (refused) return refused;
    try {
      return await runTask(b.ctx, b.catalog, kind, body, b.user, { credentials: b.credentials, metadata: b.metadata });
    } catch {
      return null;
    }
  };

  if (tasks.follow_up_generation) {
    const parsed = completionObject(await ask("follow_up"));
    if (parsed) {
      const followUps = Array.isArray(parsed.follow_ups) ? parsed.follow_ups : [];
      await b.chats.upsertMessage(b.user.id, b.chatId, b.messageId, { followUps });
      b.emit({ type: "chat:message:follow_ups", data: { follow_ups: followUps } });
    }
  }

  if ("title_generation" in tasks) {
    let userMessage = lastUserMessage(messages) ?? "";
    if (userMessage.length > 100) userMessage = `${userMessage.slice(0, 100)}...`;
    if (tasks.title_generation) {
      const outcome = await ask("title");
      if (outcome && "status" in outcome && outcome.status < 400 && isRecord(outcome.body) && !("detail" in outcome.body)) {
        const parsed = completionObject(outcome);
        let title = !parsed ? "" : "title" in parsed ? String(parsed.title ?? "") : userMessage;
        if (!title) title = String(contentText(messages[0]) ?? userMessage);
        await b.chats.setTitle(b.user.id, b.chatId, title);
        b.emit({ type: "chat:title", data: title });
      }
    } else if (messages.length === 2) {
      await b.chats.setTitle(b.user.id, b.chatId, String(contentText(messages[0]) ?? userMessage));
      // The reference announces the assistant's text here (a quirk the frontend tolerates).
      b.emit({ type: "chat:title", data: contentText(message as ChatMessage) ?? userMessage });
    }
  }

  if (tasks.tags_generation) {
    const parsed = completionObject(await ask("tags"));
    if (parsed) {
      const tags = Array.isArray(parsed.tags) ? parsed.tags.filter((t): t is string => typeof t === "string") : [];
      await b.chats.setTags(b.user.id, b.chatId, tags);
      b.emit({ type: "chat:tags", data: tags });
    }
  }
}
