// Whole chats as HTTP responses: opening, saving, creating, cloning and exporting. Small chats
// are handled here; a large chat goes to a worker thread that reads, changes and writes it
// through its own database connection and hands back the finished response bytes, so the event
// loop never parses, serializes or copies tens of megabytes. On SQLite the worker writes during
// this process's write turn, so the two never contend for the lock.
import type { SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { isOwnFolder } from "../folders/repository";
import type { Rejection } from "./chat-json";
import {
  chatSize,
  getChat,
  getChatUnlessLarge,
  getSharedSnapshot,
  insertChat,
  insertClone,
  largeFrom,
  loadChats,
  saveChatFromClient,
  scopes,
  WORKER_OPS,
  type ChatWithText,
  type WorkerOp,
} from "./repository";
import { chatResponseText } from "./responses";
import { databaseSpec, INLINE_LIMIT, runChatOperation, runInWorker, WorkerUnavailable } from "./worker-pool";

const encoder = new TextEncoder();
const JSON_HEADERS = { "content-type": "application/json" };

const bytesOf = (chat: ChatWithText) => encoder.encode(chatResponseText(chat.head, chat.text));

/** Which chats an export covers, in a form a worker thread can receive. */
export type ExportScope =
  | { kind: "owner"; userId: string }
  | { kind: "archived"; userId: string }
  | { kind: "inFolders"; userId: string; folderIds: string[] }
  | { kind: "everything" };

export function scopeSql(db: Db, scope: ExportScope): SQL | undefined {
  switch (scope.kind) {
    case "owner":
      return scopes.owner(db, scope.userId);
    case "archived":
      return scopes.archived(db, scope.userId);
    case "inFolders":
      return scopes.inFolders(db, scope.userId, scope.folderIds);
    case "everything":
      return undefined;
  }
}

type Saved = { bytes: Uint8Array } | { rejection: Rejection } | null;

/** The work itself, on a given connection: here for small chats, in a worker for large ones. */
export const TASKS = {
  async open(db: Db, args: { userId: string; chatId: string }): Promise<Uint8Array | null> {
    const chat = await getChat(db, args.userId, args.chatId);
    return chat ? bytesOf(chat) : null;
  },

  async openSnapshot(db: Db, args: { shareId: string }): Promise<Uint8Array | null> {
    const chat = await getSharedSnapshot(db, args.shareId);
    return chat ? bytesOf(chat) : null;
  },

  async save(db: Db, args: { userId: string; chatId: string; bodyText: string }): Promise<Saved> {
    const saved = await saveChatFromClient(db, args.userId, args.chatId, args.bodyText);
    if (!saved) return null;
    if ("invalid" in saved || "bad" in saved) return { rejection: saved };
    return { bytes: bytesOf(saved) };
  },

  async create(db: Db, args: { userId: string; bodyText: string; mode: "new" | "import" }): Promise<Saved> {
    const prepared = await runChatOperation("prepareChat", { bodyText: args.bodyText, mode: args.mode }, args.bodyText.length);
    if ("invalid" in prepared || "bad" in prepared) return { rejection: prepared };
    const chat = prepared.ok;
    if (chat.folderId && !(await isOwnFolder(db, args.userId, chat.folderId))) chat.folderId = null;
    const tagNames = args.mode === "import" ? importedTagNames(chat.meta.tags) : [];
    return { bytes: bytesOf(await insertChat(db, args.userId, chat, tagNames)) };
  },

  /** One of the repository's changes (WORKER_OPS), for a large chat. */
  async repository(db: Db, args: { op: WorkerOp; args: unknown[] }): Promise<unknown> {
    const run = WORKER_OPS[args.op] as (db: Db, ...rest: unknown[]) => Promise<unknown>;
    return run(db, ...args.args);
  },

  async clone(
    db: Db,
    args: { sourceUserId: string; sourceId: string; userId: string; title: string; folderId: string | null },
  ): Promise<Uint8Array | null> {
    const source = await getChat(db, args.sourceUserId, args.sourceId);
    if (!source) return null;
    return bytesOf(await insertClone(db, args.userId, source, { title: args.title, folderId: args.folderId }));
  },

  /** ChatResponses of `ids` joined with commas (those still in scope, in the given order). */
  async exportBatch(db: Db, args: { ids: string[]; scope: ExportScope }): Promise<{ bytes: Uint8Array; count: number }> {
    const chats = await loadChats(db, args.ids, scopeSql(db, args.scope));
    const parts: string[] = [];
    for (const id of args.ids) {
      const chat = chats.get(id);
      if (chat) parts.push(chatResponseText(chat.head, chat.text));
    }
    return { bytes: encoder.encode(parts.join(",")), count: parts.length };
  },
};

export type TaskName = keyof typeof TASKS;

/** Runs a task in a worker when `large` (and workers exist), otherwise here. */
async function run<N extends TaskName>(
  db: Db,
  name: N,
  args: Parameters<(typeof TASKS)[N]>[1],
  options: { large: boolean; write: boolean },
): Promise<Awaited<ReturnType<(typeof TASKS)[N]>>> {
  const spec = options.large ? databaseSpec(db) : undefined;
  if (spec) {
    try {
      const job = () => runInWorker<Awaited<ReturnType<(typeof TASKS)[N]>>>(name, { spec, ...args });
      return await (options.write ? db.writeTurn(job) : job());
    } catch (error) {
      if (!(error instanceof WorkerUnavailable)) throw error;
    }
  }
  const task = TASKS[name] as (db: Db, args: unknown) => Promise<Awaited<ReturnType<(typeof TASKS)[N]>>>;
  return task(db, args);
}

export function bytesResponse(bytes: Uint8Array): Response {
  return new Response(bytes, { headers: JSON_HEADERS });
}

/** GET /chats/{id} and every route answering with a whole chat: undefined when not found. */
export async function openChat(db: Db, userId: string, chatId: string): Promise<Response | undefined> {
  const chat = await getChatUnlessLarge(db, userId, chatId);
  if (!chat) return undefined;
  if (!chat.large) return bytesResponse(bytesOf(chat));
  const bytes = await run(db, "open", { userId, chatId }, { large: true, write: false });
  return bytes ? bytesResponse(bytes) : undefined;
}

export async function openSnapshot(db: Db, shareId: string): Promise<Response | undefined> {
  const bytes = await run(db, "openSnapshot", { shareId }, { large: true, write: false });
  return bytes ? bytesResponse(bytes) : undefined;
}

/** POST /chats/{id}: the merged chat as a response, a rejection, or undefined when not found. */
export async function saveChat(db: Db, userId: string, chatId: string, bodyText: string): Promise<Response | Rejection | undefined> {
  let large = bodyText.length >= INLINE_LIMIT;
  if (!large) {
    const size = await chatSize(db, userId, chatId);
    if (size === undefined) return undefined;
    large = size >= largeFrom(db);
  }
  const saved = await run(db, "save", { userId, chatId, bodyText }, { large, write: true });
  if (!saved) return undefined;
  return "rejection" in saved ? saved.rejection : bytesResponse(saved.bytes);
}

/** POST /chats/new and /chats/import. */
export async function createChat(db: Db, userId: string, bodyText: string, mode: "new" | "import"): Promise<Response | Rejection> {
  const created = await run(db, "create", { userId, bodyText, mode }, { large: bodyText.length >= INLINE_LIMIT, write: true });
  if (!created) throw new Error("chat creation returned nothing");
  return "rejection" in created ? created.rejection : bytesResponse(created.bytes);
}

export async function cloneChat(
  db: Db,
  args: { sourceUserId: string; sourceId: string; userId: string; title: string; folderId: string | null },
): Promise<Response | undefined> {
  const size = await chatSize(db, args.sourceUserId, args.sourceId);
  if (size === undefined) return undefined;
  const bytes = await run(db, "clone", args, { large: size >= largeFrom(db), write: true });
  return bytes ? bytesResponse(bytes) : undefined;
}

const EXPORT_BATCH = 20;

/**
 * A JSON array of ChatResponses for `ids`, loaded EXPORT_BATCH at a time (by a worker when
 * there is one) while the client reads: exports of thousands of large chats need neither the
 * whole export in memory nor one long stall. Chats deleted meanwhile are skipped.
 */
export function exportChats(db: Db, ids: string[], scope: ExportScope): Response {
  const comma = encoder.encode(",");
  let next = 0;
  let written = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (next === 0) controller.enqueue(encoder.encode("["));
      if (next >= ids.length) {
        controller.enqueue(encoder.encode("]"));
        controller.close();
        return;
      }
      const batch = ids.slice(next, next + EXPORT_BATCH);
      next += batch.length;
      const { bytes, count } = await run(db, "exportBatch", { ids: batch, scope }, { large: true, write: false });
      if (count === 0) return;
      if (written > 0) controller.enqueue(comma);
      controller.enqueue(bytes);
      written += count;
    },
  });
  return new Response(stream, { headers: JSON_HEADERS });
}

/** Import re-creates the tags an imported chat lists, named from their ids ("my_tag" → "My Tag"). */
export function importedTagNames(tags: unknown): string[] {
  if (!Array.isArray(tags)) return [];
  return tags
    .filter((tag): tag is string => typeof tag === "string")
    .map((tag) => tag.replaceAll(" ", "_").toLowerCase())
    .filter((tagId) => tagId !== "none")
    .map((tagId) =>
      tagId
        .split("_")
        .map((word) => (word ? word[0]!.toUpperCase() + word.slice(1).toLowerCase() : word))
        .join(" "),
    );
}
