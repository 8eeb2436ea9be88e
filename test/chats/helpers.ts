// Shared setup for the chat and folder route tests: an app, four callers, and chat bodies shaped
// like the ones the 0.6.32 frontend posts.
import { startTestApp, type TestApp, type TestResponse } from "../support/app";
import type { Dialect } from "../support/databases";
import { insertUser } from "../support/users";

export type Caller = "admin" | "alice" | "bob" | "pending" | "anonymous";

export interface ChatWorld {
  t: TestApp;
  ids: Record<Exclude<Caller, "anonymous">, string>;
  as(caller: Caller, method: string, path: string, body?: unknown): Promise<TestResponse>;
  close(): Promise<void>;
}

export async function chatWorld(dialect: Dialect, env: Record<string, string> = {}): Promise<ChatWorld> {
  const t = await startTestApp(dialect, env);
  const ids = {
    admin: (await insertUser(t.ctx, { role: "admin" })).id,
    alice: (await insertUser(t.ctx, { role: "user" })).id,
    bob: (await insertUser(t.ctx, { role: "user" })).id,
    pending: (await insertUser(t.ctx, { role: "pending" })).id,
  };
  return {
    t,
    ids,
    as: (caller, method, path, body) =>
      t.request(method, path, { token: caller === "anonymous" ? undefined : t.tokenFor(ids[caller]), body }),
    close: async () => {
      await t.close();
      await t.database.drop();
    },
  };
}

export interface Message {
  id: string;
  parentId: string | null;
  childrenIds: string[];
  role: string;
  content: string;
  [key: string]: unknown;
}

export function message(id: string, parentId: string | null, content: string, extra: Record<string, unknown> = {}): Message {
  return {
    id,
    parentId,
    childrenIds: [],
    role: parentId === null || extra.role === "user" ? "user" : "assistant",
    content,
    timestamp: 1_761_800_000,
    ...extra,
  };
}

/** A chat document as the frontend builds it: history, the flat branch, models, params. */
export function chatDocument(title: string, messages: Message[], currentId = messages.at(-1)?.id ?? null) {
  const byId: Record<string, Message> = {};
  for (const m of messages) byId[m.id] = { ...m, childrenIds: [...m.childrenIds] };
  for (const m of messages) if (m.parentId && byId[m.parentId] && !byId[m.parentId]!.childrenIds.includes(m.id)) byId[m.parentId]!.childrenIds.push(m.id);
  const branch: Message[] = [];
  for (let id = currentId; id; id = byId[id]?.parentId ?? null) branch.unshift(byId[id]!);
  return {
    id: "",
    title,
    models: ["gpt-4o"],
    params: {},
    history: { currentId, messages: byId },
    messages: branch,
    tags: [],
    timestamp: 1_761_800_000_000,
  };
}

/** The save the frontend posts after a reply: everything but the title. */
export function frontendSave(document: ReturnType<typeof chatDocument>) {
  return { chat: { models: document.models, history: document.history, messages: document.messages, params: document.params, files: [] } };
}

export async function createChat(world: ChatWorld, caller: Caller, title = "Chat", messages?: Message[], folderId: string | null = null) {
  const doc = chatDocument(title, messages ?? [message("u1", null, `hello from ${title}`), message("a1", "u1", "hi there")]);
  const res = await world.as(caller, "POST", "/api/v1/chats/new", { chat: doc, folder_id: folderId });
  if (res.status !== 200) throw new Error(`create failed: ${res.status} ${res.text}`);
  return res.body as { id: string; title: string; chat: ReturnType<typeof chatDocument>; [key: string]: unknown };
}

export async function createFolder(world: ChatWorld, caller: Caller, name: string, parentId?: string) {
  const res = await world.as(caller, "POST", "/api/v1/folders/", { name });
  if (res.status !== 200) throw new Error(`folder create failed: ${res.status} ${res.text}`);
  if (parentId) await world.as(caller, "POST", `/api/v1/folders/${res.body.id}/update/parent`, { parent_id: parentId });
  return res.body as { id: string; name: string };
}

export const CHAT_KEYS = ["id", "user_id", "title", "chat", "updated_at", "created_at", "share_id", "archived", "pinned", "meta", "folder_id"];
export const TITLE_KEYS = ["id", "title", "updated_at", "created_at"];
export const NOT_FOUND = "We could not find what you're looking for :/";
export const PROHIBITED = "You do not have permission to access this resource. Please contact your administrator for assistance.";
export const DEFAULT = "Something went wrong :/";
