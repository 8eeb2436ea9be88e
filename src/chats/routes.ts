// /api/v1/chats: the 36 routes of Open WebUI's routers/chats.py, with the same shapes, status
// codes and detail strings. Every route that takes an id acts on the caller's chats only;
// admins reach other users' chats only where Open WebUI lets them and ENABLE_ADMIN_CHAT_ACCESS
// is on.
import { sql } from "drizzle-orm";
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { ERROR_MESSAGES, HttpError } from "../core/errors";
import { isOwnFolder, folderTree, subtreeIds } from "../folders/repository";
import type { UserRow } from "../users/repository";
import { hasPermission, mayDeleteChats, readAdminSwitches } from "./access";
import { checkChatForm, type Json, type MessageChange, type Rejection } from "./chat-json";
import { cloneChat, createChat, exportChats, openChat, openSnapshot, saveChat, scopeSql, type ExportScope } from "./documents";
import { INLINE_LIMIT, registerDatabase } from "./worker-pool";
import {
  addChatTag,
  changeChatMessage,
  chatIds,
  deleteAllChats,
  deleteChat,
  findChatOwner,
  getChatHead,
  getSharedSnapshotHead,
  listChatTitles,
  listFilteredTitles,
  listFolderChatTitles,
  listPinnedTitles,
  listTaggedTitlesPruning,
  moveToFolder,
  PAGE_SIZE,
  removeAllChatTags,
  removeChatTag,
  searchChatTitles,
  setAllArchived,
  shareChat,
  SORTABLE,
  tagIdsOf,
  toggleArchived,
  togglePinned,
  unshareChat,
  type ChatHead,
  type SortColumn,
} from "./repository";
import { parseSearch, planSearch, soleTagWord } from "./search";
import { deleteTag, findTag, listTags, tagIdOf, tagsByIds } from "./tags";

/** The realtime emitter, once the realtime module has put it on the context. */
interface Emitter {
  toUser(userId: string, event: string, payload: unknown): void;
}

const DEFAULT_ERROR = ERROR_MESSAGES.DEFAULT;
const defaultError = (err: string) => `[ERROR: ${err}]`;

const notFound401 = () => new HttpError(401, ERROR_MESSAGES.NOT_FOUND);
const prohibited401 = () => new HttpError(401, ERROR_MESSAGES.ACCESS_PROHIBITED);
const default401 = () => new HttpError(401, DEFAULT_ERROR);

function reject(rejection: Rejection): never {
  if ("invalid" in rejection) throw new HttpError(422, rejection.invalid);
  throw new HttpError(400, rejection.bad);
}

/** FastAPI's int query parameter: 422 unless a whole number. */
function intParam(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\s*[-+]?\d+\s*$/.test(value)) {
    throw new HttpError(422, [
      { type: "int_parsing", loc: ["query", name], msg: "Input should be a valid integer, unable to parse string as an integer", input: value },
    ]);
  }
  return Number(value);
}

/** FastAPI's bool query parameter (true/false, 1/0, yes/no, on/off). */
function boolParam(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined) return undefined;
  const lower = value.trim().toLowerCase();
  if (["true", "1", "yes", "on", "y", "t"].includes(lower)) return true;
  if (["false", "0", "no", "off", "n", "f"].includes(lower)) return false;
  throw new HttpError(422, [
    { type: "bool_parsing", loc: ["query", name], msg: "Input should be a valid boolean, unable to interpret input", input: value },
  ]);
}

/** Page N (from 1) as skip; page 0 or below reads as the first page. */
const skipFor = (page: number) => (Math.max(page, 1) - 1) * PAGE_SIZE;

function sortFilter(query: { query?: string; order_by?: string; direction?: string }) {
  let orderBy: SortColumn | undefined;
  let direction: "asc" | "desc" | undefined;
  if (query.order_by && query.direction) {
    if (!(SORTABLE as readonly string[]).includes(query.order_by)) throw new HttpError(400, defaultError("Invalid order_by"));
    const lower = query.direction.toLowerCase();
    if (lower !== "asc" && lower !== "desc") throw new HttpError(400, defaultError("Invalid direction for ordering"));
    orderBy = query.order_by as SortColumn;
    direction = lower;
  }
  return { query: query.query || undefined, orderBy, direction };
}

const listQuery = t.Object({
  page: t.Optional(t.String()),
  query: t.Optional(t.String()),
  order_by: t.Optional(t.String()),
  direction: t.Optional(t.String()),
  include_folders: t.Optional(t.String()),
  text: t.Optional(t.String()),
});

const nullableString = t.Optional(t.Nullable(t.String()));

export function chatsRoutes(ctx: AppContext) {
  const db = ctx.db;
  const admin = readAdminSwitches(ctx);
  registerDatabase(db, { target: ctx.env.database, sqliteWal: ctx.env.sqliteWal });
  const emitter = () => (ctx as unknown as { emit?: Emitter }).emit;

  /** Whose chat `id` is, for routes where admins may act on any chat; else the caller's. */
  async function actingOwner(user: UserRow, id: string): Promise<string> {
    if (user.role === "admin" && admin.chatAccess) return (await findChatOwner(db, id)) ?? user.id;
    return user.id;
  }

  async function ownFolderOrNull(userId: string, folderId: string | null): Promise<string | null> {
    return folderId && (await isOwnFolder(db, userId, folderId)) ? folderId : null;
  }

  async function readBody(request: Request, body: unknown): Promise<string> {
    if (typeof body === "string") return body;
    return body === undefined ? await request.text() : JSON.stringify(body);
  }

  async function tagsOf(userId: string, tagIds: string[]) {
    return tagsByIds(db, userId, tagIds);
  }

  async function chatList(user: UserRow, query: { page?: string; include_folders?: string }) {
    const page = intParam(query.page, "page");
    const includeFolders = boolParam(query.include_folders, "include_folders") ?? false;
    return listChatTitles(db, user.id, {
      includeFolders,
      skip: page === undefined ? undefined : skipFor(page),
      limit: page === undefined ? undefined : PAGE_SIZE,
    });
  }

  async function create(user: UserRow, bodyText: string, mode: "new" | "import") {
    const created = await createChat(db, user.id, bodyText, mode);
    return created instanceof Response ? created : reject(created);
  }

  async function open(ownerId: string, chatId: string, missing: () => HttpError): Promise<Response> {
    const response = await openChat(db, ownerId, chatId);
    if (!response) throw missing();
    return response;
  }

  async function exportResponse(scope: ExportScope) {
    const where = scopeSql(db, scope);
    return exportChats(db, await chatIds(db, where ?? sql`1 = 1`), scope);
  }

  async function cloneOf(user: UserRow, source: ChatHead, title: string) {
    const folderId = await ownFolderOrNull(user.id, source.folder_id);
    const clone = await cloneChat(db, { sourceUserId: source.user_id, sourceId: source.id, userId: user.id, title, folderId });
    if (!clone) throw default401();
    return clone;
  }

  /** Any chat's row by id: only for admins with ENABLE_ADMIN_CHAT_ACCESS. */
  async function anyChatHead(id: string): Promise<ChatHead | undefined> {
    const ownerId = await findChatOwner(db, id);
    return ownerId === undefined ? undefined : getChatHead(db, ownerId, id);
  }

  function emitMessageEvent(ownerId: string, callerId: string, chatId: string, messageId: string, data: unknown) {
    const emit = emitter();
    if (!emit) return;
    const payload = { chat_id: chatId, message_id: messageId, data };
    for (const userId of new Set([ownerId, callerId])) emit.toUser(userId, "chat-events", payload);
  }

  return (
    new Elysia({ name: "chats", prefix: "/api/v1/chats" })
      .use(authGuard(ctx))
      .get("/", ({ user, query }) => chatList(user, query), { auth: "verified", query: listQuery })
      .get("/list", ({ user, query }) => chatList(user, query), { auth: "verified", query: listQuery })
      .delete(
        "/",
        async ({ user }) => {
          if (user.role === "user" && !(await hasPermission(ctx, user.id, "chat.delete"))) throw prohibited401();
          await deleteAllChats(db, user.id);
          return true;
        },
        { auth: "verified" },
      )
      .get(
        "/list/user/:user_id",
        ({ params, query }) => {
          if (!admin.chatAccess) throw prohibited401();
          const page = intParam(query.page, "page") ?? 1;
          return listFilteredTitles(db, params.user_id, {
            ...sortFilter(query),
            archived: "include",
            skip: skipFor(page),
            limit: PAGE_SIZE,
          });
        },
        { auth: "admin", query: listQuery },
      )
      .post("/new", async ({ user, body, request }) => create(user, await readBody(request, body), "new"), {
        auth: "verified",
        parse: "text",
      })
      .post("/import", async ({ user, body, request }) => create(user, await readBody(request, body), "import"), {
        auth: "verified",
        parse: "text",
      })
      .get(
        "/search",
        async ({ user, query }) => {
          if (query.text === undefined) {
            throw new HttpError(422, [{ type: "missing", loc: ["query", "text"], msg: "Field required", input: null }]);
          }
          const page = Math.max(intParam(query.page, "page") ?? 1, 1);
          const plan = await planSearch(db, user.id, parseSearch(query.text));
          const chats = plan ? await searchChatTitles(db, plan, skipFor(page), PAGE_SIZE) : [];
          const tag = page === 1 && chats.length === 0 ? soleTagWord(query.text) : null;
          if (tag !== null && (await findTag(db, user.id, tag))) await db.write((tx) => deleteTag(db, tx, user.id, tag));
          return chats;
        },
        { auth: "verified", query: listQuery },
      )
      .get(
        "/folder/:folder_id",
        async ({ user, params }) => {
          const tree = await folderTree(db, user.id);
          const folderIds = tree.some((f) => f.id === params.folder_id) ? subtreeIds(tree, params.folder_id) : [params.folder_id];
          return exportResponse({ kind: "inFolders", userId: user.id, folderIds });
        },
        { auth: "verified" },
      )
      .get(
        "/folder/:folder_id/list",
        ({ user, params, query }) => {
          const page = intParam(query.page, "page") ?? 1;
          return listFolderChatTitles(db, user.id, params.folder_id, skipFor(page), PAGE_SIZE);
        },
        { auth: "verified", query: listQuery },
      )
      .get("/pinned", ({ user }) => listPinnedTitles(db, user.id), { auth: "verified" })
      .get(
        "/all",
        ({ user }) => exportResponse({ kind: "owner", userId: user.id }),
        { auth: "verified" },
      )
      .get(
        "/all/archived",
        ({ user }) => exportResponse({ kind: "archived", userId: user.id }),
        { auth: "verified" },
      )
      .get("/all/tags", ({ user }) => listTags(db, user.id), { auth: "verified" })
      .get(
        "/all/db",
        async () => {
          if (!admin.export) throw prohibited401();
          return exportResponse({ kind: "everything" });
        },
        { auth: "admin" },
      )
      .get(
        "/archived",
        ({ user, query }) => {
          const page = intParam(query.page, "page") ?? 1;
          return listFilteredTitles(db, user.id, { ...sortFilter(query), archived: "only", skip: skipFor(page), limit: PAGE_SIZE });
        },
        { auth: "verified", query: listQuery },
      )
      .post(
        "/archive/all",
        async ({ user }) => {
          await setAllArchived(db, user.id, true);
          return true;
        },
        { auth: "verified" },
      )
      .post(
        "/unarchive/all",
        async ({ user }) => {
          await setAllArchived(db, user.id, false);
          return true;
        },
        { auth: "verified" },
      )
      .get(
        "/share/:share_id",
        async ({ user, params }) => {
          if (user.role === "admin" && admin.chatAccess) {
            const ownerId = await findChatOwner(db, params.share_id);
            if (ownerId === undefined) throw notFound401();
            return open(ownerId, params.share_id, notFound401);
          }
          const snapshot = await openSnapshot(db, params.share_id);
          if (!snapshot) throw notFound401();
          return snapshot;
        },
        { auth: "verified" },
      )
      .post("/tags", ({ user, body }) => listTaggedTitlesPruning(db, user.id, body.name), {
        auth: "verified",
        body: t.Object({
          name: t.String(),
          skip: t.Optional(t.Nullable(t.Integer())),
          limit: t.Optional(t.Nullable(t.Integer())),
        }),
      })
      .get(
        "/:id",
        ({ user, params }) => open(user.id, params.id, notFound401),
        { auth: "verified" },
      )
      .post(
        "/:id",
        async ({ user, params, body, request }) => {
          const bodyText = await readBody(request, body);
          if (bodyText.length < INLINE_LIMIT) {
            // Validate first, as FastAPI does before the handler runs.
            const problem = checkChatForm(bodyText);
            if (problem) reject(problem);
          }
          const saved = await saveChat(db, user.id, params.id, bodyText);
          if (!saved) throw prohibited401();
          return saved instanceof Response ? saved : reject(saved);
        },
        { auth: "verified", parse: "text" },
      )
      .post(
        "/:id/messages/:message_id",
        async ({ user, params, body }) => {
          const ownerId = await actingOwner(user, params.id);
          const change: MessageChange = { kind: "upsert", patch: { content: body.content } };
          const chat = await changeChatMessage(db, { chatId: params.id, userId: ownerId, messageId: params.message_id }, change);
          if (!chat) throw prohibited401();
          emitMessageEvent(ownerId, user.id, params.id, params.message_id, {
            type: "chat:message",
            data: { chat_id: params.id, message_id: params.message_id, content: body.content },
          });
          return open(ownerId, params.id, prohibited401);
        },
        { auth: "verified", body: t.Object({ content: t.String() }) },
      )
      .post(
        "/:id/messages/:message_id/event",
        async ({ user, params, body }) => {
          const ownerId = await actingOwner(user, params.id);
          if (!(await getChatHead(db, ownerId, params.id))) throw prohibited401();
          const event = { type: body.type, data: body.data as Json };
          emitMessageEvent(ownerId, user.id, params.id, params.message_id, event);
          const change = changeForEvent(event);
          if (change) await changeChatMessage(db, { chatId: params.id, userId: ownerId, messageId: params.message_id }, change);
          return true;
        },
        { auth: "verified", body: t.Object({ type: t.String(), data: t.Record(t.String(), t.Any()) }) },
      )
      .delete(
        "/:id",
        async ({ user, params }) => {
          if (!(await mayDeleteChats(ctx, user))) throw prohibited401();
          const ownerId = await actingOwner(user, params.id);
          if (!(await deleteChat(db, ownerId, params.id))) throw notFound401();
          return true;
        },
        { auth: "verified" },
      )
      .get(
        "/:id/pinned",
        async ({ user, params }) => {
          const head = await getChatHead(db, user.id, params.id);
          if (!head) throw default401();
          return jsonValue(head.pinned);
        },
        { auth: "verified" },
      )
      .post(
        "/:id/pin",
        async ({ user, params }) => {
          if (!(await togglePinned(db, user.id, params.id))) throw default401();
          return open(user.id, params.id, default401);
        },
        { auth: "verified" },
      )
      .post(
        "/:id/clone",
        async ({ user, params, body }) => {
          const source = await getChatHead(db, user.id, params.id);
          if (!source) throw default401();
          return cloneOf(user, source, body.title ? body.title : `Clone of ${source.title}`);
        },
        { auth: "verified", body: t.Object({ title: nullableString }) },
      )
      .post(
        "/:id/clone/shared",
        async ({ user, params }) => {
          const source =
            user.role === "admin" && admin.chatAccess ? await anyChatHead(params.id) : await getSharedSnapshotHead(db, params.id);
          if (!source) throw default401();
          return cloneOf(user, source, `Clone of ${source.title}`);
        },
        { auth: "verified" },
      )
      .post(
        "/:id/archive",
        async ({ user, params }) => {
          if (!(await toggleArchived(db, user.id, params.id))) throw default401();
          return open(user.id, params.id, default401);
        },
        { auth: "verified" },
      )
      .post(
        "/:id/share",
        async ({ user, params }) => {
          if (user.role !== "admin" && !(await hasPermission(ctx, user.id, "chat.share"))) throw prohibited401();
          const snapshot = await shareChat(db, user.id, params.id);
          if (!snapshot) throw prohibited401();
          return open(snapshot.ownerId, snapshot.id, prohibited401);
        },
        { auth: "verified" },
      )
      .delete(
        "/:id/share",
        async ({ user, params }) => {
          const result = await unshareChat(db, user.id, params.id);
          if (result === undefined) throw prohibited401();
          return jsonValue(result);
        },
        { auth: "verified" },
      )
      .post(
        "/:id/folder",
        async ({ user, params, body }) => {
          if (!(await getChatHead(db, user.id, params.id))) throw default401();
          const folderId = body.folder_id ?? null;
          if (folderId !== null && !(await isOwnFolder(db, user.id, folderId))) {
            throw new HttpError(404, ERROR_MESSAGES.NOT_FOUND);
          }
          if (!(await moveToFolder(db, user.id, params.id, folderId))) throw default401();
          return open(user.id, params.id, default401);
        },
        { auth: "verified", body: t.Object({ folder_id: nullableString }) },
      )
      .get(
        "/:id/tags",
        async ({ user, params }) => {
          const head = await getChatHead(db, user.id, params.id);
          if (!head) throw notFound401();
          return tagsOf(user.id, tagIdsOf(head));
        },
        { auth: "verified" },
      )
      .post(
        "/:id/tags",
        async ({ user, params, body }) => {
          if (!(await getChatHead(db, user.id, params.id))) throw default401();
          if (tagIdOf(body.name) === "none") throw new HttpError(400, defaultError("Tag name cannot be 'None'"));
          const tags = await addChatTag(db, user.id, params.id, body.name);
          if (!tags) throw default401();
          return tagsOf(user.id, tags);
        },
        { auth: "verified", body: t.Object({ name: t.String() }) },
      )
      .delete(
        "/:id/tags",
        async ({ user, params, body }) => {
          const tags = await removeChatTag(db, user.id, params.id, body.name);
          if (!tags) throw notFound401();
          return tagsOf(user.id, tags);
        },
        { auth: "verified", body: t.Object({ name: t.String() }) },
      )
      .delete(
        "/:id/tags/all",
        async ({ user, params }) => {
          if (!(await removeAllChatTags(db, user.id, params.id))) throw notFound401();
          return true;
        },
        { auth: "verified" },
      )
  );

}

/** A bare JSON value as the body (Elysia would send `null` and booleans as text). */
function jsonValue(value: unknown): Response {
  return new Response(JSON.stringify(value ?? null), { headers: { "content-type": "application/json" } });
}

/**
 * Socket events that Open WebUI also writes into the chat: status entries, appended or
 * replaced content, embeds, files and sources.
 */
export function changeForEvent(event: { type: string; data: Json }): MessageChange | null {
  const data = event.data ?? {};
  switch (event.type) {
    case "status":
      return { kind: "status", status: data };
    case "message":
      return { kind: "append-content", content: typeof data.content === "string" ? data.content : "" };
    case "replace":
      return { kind: "upsert", patch: { content: typeof data.content === "string" ? data.content : "" } };
    case "embeds":
      return { kind: "prepend", field: "embeds", items: Array.isArray(data.embeds) ? data.embeds : [] };
    case "files":
      return { kind: "prepend", field: "files", items: Array.isArray(data.files) ? data.files : [] };
    case "source":
    case "citation":
      return data.type == null ? { kind: "source", source: data } : null;
    default:
      return null;
  }
}
