// What the chat pipeline needs from other areas: the socket emitter and task registry of the
// realtime layer (ctx.emit, ctx.tasks) and message writes into stored chats. Tests may put
// their own pieces in place.
import type { AppContext } from "../context";
import type { Json } from "./payload";

export interface ChatEmitter {
  toUser(userId: string, event: string, payload: unknown): void;
}

export interface TaskRegistry {
  add(taskId: string, info: { chatId?: string; userId: string }, stop: () => void): Promise<void>;
  remove(taskId: string): Promise<void>;
  stop(taskId: string): Promise<boolean>;
  list(): Promise<string[]>;
  listForChat(chatId: string): Promise<string[]>;
}

/**
 * Chat rows as the pipeline uses them. Every call names the chat's owner, and finds nothing for
 * anyone else's chat; every write is one atomic read-modify-write of the chat.
 */
export interface ChatStore {
  /** The chat if it exists and belongs to the user. */
  findOwned(userId: string, chatId: string): Promise<{ folderId: string | null } | null>;
  message(userId: string, chatId: string, messageId: string): Promise<Json | null>;
  /** history.messages[id] = {...old, ...patch}; history.currentId = id. */
  upsertMessage(userId: string, chatId: string, messageId: string, patch: Json): Promise<void>;
  /** Appends to the message's statusHistory. */
  appendStatus(userId: string, chatId: string, messageId: string, status: Json): Promise<void>;
  messages(userId: string, chatId: string): Promise<Record<string, Json> | null>;
  title(userId: string, chatId: string): Promise<string | null>;
  setTitle(userId: string, chatId: string, title: string): Promise<void>;
  setTags(userId: string, chatId: string, tags: string[]): Promise<void>;
}

export interface ChatRuntime {
  emit: ChatEmitter;
  tasks: TaskRegistry;
  chats: ChatStore;
}

const installed = new WeakMap<AppContext, Partial<ChatRuntime>>();

/** Lets the composition root (or a test) supply the pieces another area provides. */
export function provideChatRuntime(ctx: AppContext, parts: Partial<ChatRuntime>): void {
  installed.set(ctx, { ...installed.get(ctx), ...parts });
}

/** The runtime when every piece is there: the realtime layer's, or pieces provided explicitly. */
export function chatRuntime(ctx: AppContext): ChatRuntime | null {
  const given = installed.get(ctx) ?? {};
  const emit = given.emit ?? ctx.emit;
  const tasks = given.tasks ?? ctx.tasks;
  const chats = given.chats;
  return emit && tasks && chats ? { emit, tasks, chats } : null;
}

/** The chat store alone (ownership checks work without sockets). */
export function chatStore(ctx: AppContext): ChatStore | null {
  return installed.get(ctx)?.chats ?? null;
}
