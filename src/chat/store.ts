// The chat store of the pipeline over the chats repository: owner-scoped reads, and writes that
// go through its atomic message change (so a concurrent save from the browser cannot undo them).
import type { AppContext } from "../context";
import { changeChatMessage, getChat, getChatHead, replaceChatTags, setChatTitle, upsertChatMessage } from "../chats/repository";
import type { ChatStore } from "./ports";
import { isRecord, type Json } from "./payload";

async function history(ctx: AppContext, userId: string, chatId: string): Promise<Record<string, Json> | null> {
  const chat = await getChat(ctx.db, userId, chatId);
  if (!chat?.text) return null;
  try {
    const document: unknown = JSON.parse(chat.text);
    const messages = isRecord(document) && isRecord(document.history) ? document.history.messages : null;
    return isRecord(messages) ? (messages as Record<string, Json>) : null;
  } catch {
    return null;
  }
}

export function repositoryChatStore(ctx: AppContext): ChatStore {
  const { db } = ctx;
  return {
    async findOwned(userId, chatId) {
      const head = await getChatHead(db, userId, chatId);
      return head ? { folderId: head.folder_id } : null;
    },
    async message(userId, chatId, messageId) {
      return (await history(ctx, userId, chatId))?.[messageId] ?? null;
    },
    async upsertMessage(userId, chatId, messageId, patch) {
      await upsertChatMessage(db, { chatId, userId, messageId }, patch);
    },
    async appendStatus(userId, chatId, messageId, status) {
      await changeChatMessage(db, { chatId, userId, messageId }, { kind: "status", status });
    },
    messages: (userId, chatId) => history(ctx, userId, chatId),
    async title(userId, chatId) {
      return (await getChatHead(db, userId, chatId))?.title ?? null;
    },
    async setTitle(userId, chatId, title) {
      await setChatTitle(db, userId, chatId, title);
    },
    async setTags(userId, chatId, tags) {
      await replaceChatTags(db, userId, chatId, tags);
    },
  };
}
