// Test doubles for what other areas provide to the chat pipeline (the socket emitter, the task
// registry, chat rows). They live only in the tests; the application uses the real ones.
import type { ChatStore, ChatRuntime, TaskRegistry } from "../../src/chat/ports";

type Json = Record<string, any>;

export interface StoredChat {
  userId: string;
  title: string;
  folderId: string | null;
  tags: string[];
  history: { messages: Record<string, Json>; currentId: string | null };
}

export class MemoryChats implements ChatStore {
  chats = new Map<string, StoredChat>();
  writes = 0;

  add(id: string, userId: string, messages: Json[] = [], folderId: string | null = null): void {
    const map = Object.fromEntries(messages.map((m) => [m.id, m]));
    this.chats.set(id, { userId, title: "New Chat", folderId, tags: [], history: { messages: map, currentId: messages.at(-1)?.id ?? null } });
  }

  /** The chat, only for its owner. */
  private owned(userId: string, chatId: string): StoredChat | undefined {
    const chat = this.chats.get(chatId);
    return chat && chat.userId === userId ? chat : undefined;
  }

  async findOwned(userId: string, chatId: string) {
    const chat = this.owned(userId, chatId);
    return chat ? { folderId: chat.folderId } : null;
  }

  async message(userId: string, chatId: string, messageId: string) {
    return this.owned(userId, chatId)?.history.messages[messageId] ?? null;
  }

  async upsertMessage(userId: string, chatId: string, messageId: string, patch: Json) {
    const chat = this.owned(userId, chatId);
    if (!chat) return;
    this.writes++;
    chat.history.messages[messageId] = { ...chat.history.messages[messageId], ...patch };
    chat.history.currentId = messageId;
  }

  async appendStatus(userId: string, chatId: string, messageId: string, status: Json) {
    const message = this.owned(userId, chatId)?.history.messages[messageId];
    if (!message) return;
    this.writes++;
    message.statusHistory = [...(message.statusHistory ?? []), status];
  }

  async messages(userId: string, chatId: string) {
    return this.owned(userId, chatId)?.history.messages ?? null;
  }

  async title(userId: string, chatId: string) {
    return this.owned(userId, chatId)?.title ?? null;
  }

  async setTitle(userId: string, chatId: string, title: string) {
    const chat = this.owned(userId, chatId);
    if (chat) chat.title = title;
  }

  async setTags(userId: string, chatId: string, tags: string[]) {
    const chat = this.owned(userId, chatId);
    if (chat) chat.tags = tags;
  }
}

export interface SentEvent {
  userId: string;
  event: string;
  payload: Json;
}

export class MemoryEmitter {
  sent: SentEvent[] = [];
  private waiters: { match: (e: SentEvent) => boolean; done: (e: SentEvent) => void }[] = [];

  toUser(userId: string, event: string, payload: unknown): void {
    const sent = { userId, event, payload: payload as Json };
    this.sent.push(sent);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(sent)) return true;
      w.done(sent);
      return false;
    });
  }

  /** Resolves with the first event (already sent or to come) that matches. */
  waitFor(match: (e: SentEvent) => boolean, timeoutMs = 5_000): Promise<SentEvent> {
    const found = this.sent.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("event did not come")), timeoutMs);
      this.waiters.push({ match, done: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  /** The chat-events data of one message, in order. */
  of(messageId: string): Json[] {
    return this.sent.filter((e) => e.event === "chat-events" && e.payload.message_id === messageId).map((e) => e.payload.data);
  }
}

export class MemoryTasks implements TaskRegistry {
  running = new Map<string, { chatId?: string; userId: string; stop: () => void }>();

  async add(taskId: string, info: { chatId?: string; userId: string }, stop: () => void) {
    this.running.set(taskId, { ...info, stop });
  }
  async remove(taskId: string) {
    this.running.delete(taskId);
  }
  async stop(taskId: string) {
    const task = this.running.get(taskId);
    if (!task) return false;
    this.running.delete(taskId);
    task.stop();
    return true;
  }
  async list() {
    return [...this.running.keys()];
  }
  async listForChat(chatId: string) {
    return [...this.running].filter(([, t]) => t.chatId === chatId).map(([id]) => id);
  }
}

export function memoryRuntime(): ChatRuntime & { emit: MemoryEmitter; tasks: MemoryTasks; chats: MemoryChats } {
  return { emit: new MemoryEmitter(), tasks: new MemoryTasks(), chats: new MemoryChats() };
}

/** What the frontend's chat-events handler makes of the events: the message's content. */
export function renderedContent(events: Json[], initial = ""): string {
  let content = initial;
  for (const { type, data } of events) {
    if (type !== "chat:completion" || !data) continue;
    if (data.choices?.[0]?.message?.content) content += data.choices[0].message.content;
    else if (data.choices) {
      const value = data.choices[0]?.delta?.content ?? "";
      if (!(content === "" && value === "\n")) content += value;
    }
    if (data.content) content = data.content;
  }
  return content;
}
