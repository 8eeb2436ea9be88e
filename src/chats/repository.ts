// The `chat` table. Every function takes the owner's id and puts it in the query itself.
// Lists project columns and never read the `chat` document; documents are moved as raw JSON
// text wherever the server does not need to look inside them, and large ones are parsed and
// serialized in worker threads (see worker-pool.ts and documents.ts).
import { and, asc, desc, eq, inArray, isNotNull, isNull, or, sql, type SQL } from "drizzle-orm";
import type { Db, Query } from "../db/client";
import {
  isObject,
  ledgerOf,
  publicMeta,
  withLedger,
  type Json,
  type MessageChange,
  type PreparedChat,
  type Rejection,
} from "./chat-json";
import { databaseSpec, INLINE_LIMIT, runChatOperation, runInWorker, WorkerUnavailable } from "./worker-pool";
import { deleteTag, findTag, insertTag, tagIdOf } from "./tags";

export interface ChatHead {
  id: string;
  user_id: string;
  title: string;
  share_id: string | null;
  archived: boolean;
  created_at: number;
  updated_at: number;
  pinned: boolean | null;
  meta: Json;
  folder_id: string | null;
}

/** A chat with its document as the raw JSON text stored in the database. */
export interface ChatWithText {
  head: ChatHead;
  text: string | null;
}

export interface ChatTitle {
  id: string;
  title: string;
  updated_at: number;
  created_at: number;
}

export const PAGE_SIZE = 60;
export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Prefix of the owner id of share snapshots: `shared-<original chat id>`. */
const SHARED = "shared-";

// ---------------------------------------------------------------------------------------------
// Columns and expressions

function headColumns(db: Db) {
  const c = db.t.chat;
  return {
    id: c.id,
    user_id: c.user_id,
    title: c.title,
    share_id: c.share_id,
    archived: c.archived,
    created_at: c.created_at,
    updated_at: c.updated_at,
    pinned: c.pinned,
    meta: c.meta,
    folder_id: c.folder_id,
  };
}

function titleColumns(db: Db) {
  const c = db.t.chat;
  return { id: c.id, title: c.title, updated_at: c.updated_at, created_at: c.created_at };
}

/** The stored document as text, without parsing it. */
export function documentText(db: Db): SQL<string | null> {
  const c = db.t.chat;
  return db.dialect === "postgres" ? sql<string | null>`${c.chat}::text` : sql<string | null>`${c.chat}`;
}

/** A JSON text parameter for the `chat` column. */
export function documentValue(db: Db, text: string): SQL {
  return db.dialect === "postgres" ? sql`${text}::json` : sql`${text}`;
}

/**
 * The stored size of the document without reading it: SQLite's byte length from the record
 * header, PostgreSQL's stored (possibly compressed) size from the TOAST pointer.
 */
export function documentSize(db: Db): SQL<number> {
  const c = db.t.chat;
  return db.dialect === "postgres" ? sql<number>`pg_column_size(${c.chat})` : sql<number>`octet_length(${c.chat})`;
}

/** Documents at least this large (as documentSize measures them) are handled by a worker thread. */
export function largeFrom(db: Db): number {
  return db.dialect === "postgres" ? 64 * 1024 : INLINE_LIMIT;
}

function ownedBy(db: Db, userId: string, id: string): SQL {
  const c = db.t.chat;
  return and(eq(c.id, id), eq(c.user_id, userId)) as SQL;
}

function notPinned(db: Db): SQL {
  const c = db.t.chat;
  return or(eq(c.pinned, false), isNull(c.pinned)) as SQL;
}

/** `meta.tags` contains `tagId` (a JSON array of tag ids). */
export function hasTag(db: Db, tagId: string): SQL {
  const meta = db.t.chat.meta;
  return db.dialect === "postgres"
    ? sql`EXISTS (SELECT 1 FROM json_array_elements_text(CASE WHEN json_typeof(${meta}->'tags') = 'array' THEN ${meta}->'tags' ELSE '[]'::json END) AS t_ WHERE t_ = ${tagId})`
    : sql`EXISTS (SELECT 1 FROM json_each(${meta}, '$.tags') AS t_ WHERE t_.value = ${tagId})`;
}

/** `meta.tags` is missing or empty. */
export function hasNoTags(db: Db): SQL {
  const meta = db.t.chat.meta;
  return db.dialect === "postgres"
    ? sql`NOT EXISTS (SELECT 1 FROM json_array_elements_text(CASE WHEN json_typeof(${meta}->'tags') = 'array' THEN ${meta}->'tags' ELSE '[]'::json END) AS t_)`
    : sql`NOT EXISTS (SELECT 1 FROM json_each(${meta}, '$.tags') AS t_)`;
}

function normalizeHead(row: ChatHead): ChatHead {
  return {
    ...row,
    archived: Boolean(row.archived),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
    meta: isObject(row.meta) ? row.meta : {},
  };
}

export function tagIdsOf(head: ChatHead): string[] {
  const tags = head.meta.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === "string") : [];
}

function page(skip?: number, limit?: number) {
  return { skip: skip && skip > 0 ? skip : 0, limit };
}

async function titles(
  db: Db,
  where: SQL,
  order: SQL[],
  skip?: number,
  limit?: number,
  source: SQL | undefined = undefined,
): Promise<ChatTitle[]> {
  const c = db.t.chat;
  const p = page(skip, limit);
  // With a hand-written FROM (an index hint), drizzle must not check columns against it.
  const columns = source
    ? {
        id: sql<string>`"chat"."id"`,
        title: sql<string>`"chat"."title"`,
        updated_at: sql<number>`"chat"."updated_at"`,
        created_at: sql<number>`"chat"."created_at"`,
      }
    : titleColumns(db);
  let query = db.read
    .select(columns)
    .from((source ?? c) as typeof c)
    .where(where)
    .orderBy(...order)
    .$dynamic();
  if (p.limit !== undefined) query = query.limit(p.limit);
  if (p.skip) query = query.offset(p.skip);
  const rows = await query;
  return rows.map((r) => ({ ...r, updated_at: Number(r.updated_at), created_at: Number(r.created_at) }));
}

// ---------------------------------------------------------------------------------------------
// Lists (no documents)

/** The sidebar: not archived, not pinned, and (unless asked) not in a folder; newest first. */
/**
 * On SQLite, the newest chats of a user with many chats are found fastest by walking
 * `updated_at_user_id_idx` from the newest entry and stopping after the page: SQLite's planner
 * (Open WebUI's databases carry no statistics) otherwise reads and sorts every chat of the user,
 * each row costing a walk over its document's overflow pages to reach `pinned` and `folder_id`.
 * The walk also passes other users' entries (index only, cheap), so it is chosen when this user's
 * share of all chats makes the walk short. PostgreSQL's planner finds this by itself.
 */
async function newestFirstSource(db: Db, userId: string, wanted: number): Promise<SQL | undefined> {
  if (db.dialect !== "sqlite") return undefined;
  const c = db.t.chat;
  const [mine] = await db.read.select({ n: sql<number>`count(*)` }).from(c).where(eq(c.user_id, userId));
  const [all] = await db.read.select({ n: sql<number>`max(rowid)` }).from(c);
  const own = Number(mine?.n ?? 0);
  const total = Number(all?.n ?? 0);
  if (own < 200) return undefined;
  return (total / own) * wanted <= 500_000 ? sql`"chat" INDEXED BY updated_at_user_id_idx` : undefined;
}

/** `archived = false`, kept out of SQLite's index choice where a better index applies. */
function notArchivedFilter(db: Db): SQL {
  return db.dialect === "sqlite" ? sql`+${db.t.chat.archived} = 0` : (eq(db.t.chat.archived, false) as SQL);
}

export async function listChatTitles(db: Db, userId: string, options: { includeFolders?: boolean; skip?: number; limit?: number }) {
  const c = db.t.chat;
  const where = and(
    eq(c.user_id, userId),
    options.includeFolders ? undefined : isNull(c.folder_id),
    notPinned(db),
    eq(c.archived, false),
  ) as SQL;
  const wanted = options.limit === undefined ? Number.MAX_SAFE_INTEGER : (options.skip ?? 0) + options.limit;
  const source = await newestFirstSource(db, userId, wanted);
  return titles(db, where, [desc(c.updated_at)], options.skip, options.limit, source);
}

export function listPinnedTitles(db: Db, userId: string) {
  const c = db.t.chat;
  return titles(db, and(eq(c.user_id, userId), eq(c.pinned, true), notArchivedFilter(db)) as SQL, [desc(c.updated_at)]);
}

export const SORTABLE = ["id", "user_id", "title", "share_id", "archived", "created_at", "updated_at", "pinned", "folder_id"] as const;
export type SortColumn = (typeof SORTABLE)[number];

export interface ListFilter {
  query?: string;
  orderBy?: SortColumn;
  direction?: "asc" | "desc";
}

/** The archived list and the admin's view of a user's chats: title filter and sort order. */
export function listFilteredTitles(
  db: Db,
  userId: string,
  options: ListFilter & { archived: "only" | "include"; skip: number; limit: number },
) {
  const c = db.t.chat;
  const where = and(
    eq(c.user_id, userId),
    options.archived === "only" ? eq(c.archived, true) : undefined,
    options.query ? sql`lower(${c.title}) LIKE ${`%${options.query.toLowerCase()}%`}` : undefined,
  ) as SQL;
  const column = options.orderBy ? c[options.orderBy] : c.updated_at;
  const order = options.orderBy && options.direction === "asc" ? asc(column) : desc(column);
  return titles(db, where, [order], options.skip, options.limit);
}

/** Chats directly in a folder (not pinned, not archived): the folder's light list. */
export async function listFolderChatTitles(db: Db, userId: string, folderId: string, skip: number, limit: number) {
  const c = db.t.chat;
  const where = and(eq(c.user_id, userId), eq(c.folder_id, folderId), notPinned(db), eq(c.archived, false)) as SQL;
  const rows = await titles(db, where, [desc(c.updated_at)], skip, limit);
  return rows.map((r) => ({ title: r.title, id: r.id, updated_at: r.updated_at }));
}

/** All of a user's chats carrying a tag, archived ones included. */
export function listTaggedTitles(db: Db, userId: string, tagName: string) {
  const c = db.t.chat;
  return titles(db, and(eq(c.user_id, userId), hasTag(db, tagIdOf(tagName))) as SQL, [desc(c.updated_at)]);
}

// ---------------------------------------------------------------------------------------------
// Whole chats

export async function getChatHead(db: Db, userId: string, id: string, q: Query = db.read): Promise<ChatHead | undefined> {
  const [row] = await q.select(headColumns(db)).from(db.t.chat).where(ownedBy(db, userId, id)).limit(1);
  return row ? normalizeHead(row as ChatHead) : undefined;
}

export async function getChat(db: Db, userId: string, id: string, q: Query = db.read): Promise<ChatWithText | undefined> {
  const [row] = await q
    .select({ ...headColumns(db), text: documentText(db) })
    .from(db.t.chat)
    .where(ownedBy(db, userId, id))
    .limit(1);
  if (!row) return undefined;
  const { text, ...head } = row;
  return { head: normalizeHead(head as ChatHead), text };
}

/** The chat, with its document only when it is small; `large` says the document was left out. */
export async function getChatUnlessLarge(
  db: Db,
  userId: string,
  id: string,
): Promise<(ChatWithText & { large: boolean }) | undefined> {
  const size = documentSize(db);
  const [row] = await db.read
    .select({
      ...headColumns(db),
      size,
      text: sql<string | null>`CASE WHEN ${size} < ${largeFrom(db)} THEN ${documentText(db)} END`,
    })
    .from(db.t.chat)
    .where(ownedBy(db, userId, id))
    .limit(1);
  if (!row) return undefined;
  const { text, size: bytes, ...head } = row;
  const large = Number(bytes ?? 0) >= largeFrom(db);
  return { head: normalizeHead(head as ChatHead), text: large ? null : text, large };
}

/** The stored size of a chat's document (see documentSize); undefined when not found. */
export async function chatSize(db: Db, userId: string, id: string): Promise<number | undefined> {
  const [row] = await db.read.select({ size: documentSize(db) }).from(db.t.chat).where(ownedBy(db, userId, id)).limit(1);
  return row ? Number(row.size ?? 0) : undefined;
}

/** The owner of a chat: only for the admin paths that ENABLE_ADMIN_CHAT_ACCESS opens. */
export async function findChatOwner(db: Db, id: string): Promise<string | undefined> {
  const c = db.t.chat;
  const [row] = await db.read.select({ user_id: c.user_id }).from(c).where(eq(c.id, id)).limit(1);
  return row?.user_id;
}

function sharedWhere(db: Db, shareId: string): SQL {
  const c = db.t.chat;
  return and(
    eq(c.id, shareId),
    sql`EXISTS (SELECT 1 FROM chat AS original_ WHERE original_.share_id = ${shareId} AND ${c.user_id} = ${SHARED} || original_.id)`,
  ) as SQL;
}

/** The snapshot behind a share link, if the original chat still points at it. */
export async function getSharedSnapshot(db: Db, shareId: string): Promise<ChatWithText | undefined> {
  const [row] = await db.read
    .select({ ...headColumns(db), text: documentText(db) })
    .from(db.t.chat)
    .where(sharedWhere(db, shareId))
    .limit(1);
  if (!row) return undefined;
  const { text, ...head } = row;
  return { head: normalizeHead(head as ChatHead), text };
}

export async function getSharedSnapshotHead(db: Db, shareId: string): Promise<ChatHead | undefined> {
  const [row] = await db.read.select(headColumns(db)).from(db.t.chat).where(sharedWhere(db, shareId)).limit(1);
  return row ? normalizeHead(row as ChatHead) : undefined;
}

/** Ids of the chats matching `where`, newest first (the first step of an export). */
export async function chatIds(db: Db, where: SQL): Promise<string[]> {
  const c = db.t.chat;
  const rows = await db.read.select({ id: c.id }).from(c).where(where).orderBy(desc(c.updated_at));
  return rows.map((r) => r.id);
}

/** Loads a batch of chats by id, still limited by `where` (the owner scope). */
export async function loadChats(db: Db, ids: string[], where: SQL | undefined): Promise<Map<string, ChatWithText>> {
  const c = db.t.chat;
  const rows = await db.read
    .select({ ...headColumns(db), text: documentText(db) })
    .from(c)
    .where(and(inArray(c.id, ids), where));
  const byId = new Map<string, ChatWithText>();
  for (const { text, ...head } of rows) byId.set(head.id, { head: normalizeHead(head as ChatHead), text });
  return byId;
}

export const scopes = {
  owner: (db: Db, userId: string) => eq(db.t.chat.user_id, userId) as SQL,
  archived: (db: Db, userId: string) => and(eq(db.t.chat.user_id, userId), eq(db.t.chat.archived, true)) as SQL,
  inFolders: (db: Db, userId: string, folderIds: string[]) =>
    and(eq(db.t.chat.user_id, userId), inArray(db.t.chat.folder_id, folderIds), notPinned(db), eq(db.t.chat.archived, false)) as SQL,
};

// ---------------------------------------------------------------------------------------------
// Creating and saving

/** Takes the row lock for a read-modify-write (writers already take turns on SQLite). */
async function lockChat(db: Db, tx: Query, userId: string, id: string): Promise<ChatWithText | undefined> {
  let query = tx
    .select({ ...headColumns(db), text: documentText(db) })
    .from(db.t.chat)
    .where(ownedBy(db, userId, id))
    .limit(1)
    .$dynamic();
  if (db.dialect === "postgres") query = query.for("update");
  const [row] = await query;
  if (!row) return undefined;
  const { text, ...head } = row;
  return { head: normalizeHead(head as ChatHead), text };
}

/** Inserts a chat; `tagNames` are tag rows to create with it (an import's tags) if missing. */
export async function insertChat(db: Db, userId: string, chat: PreparedChat, tagNames: string[] = []): Promise<ChatWithText> {
  const now = nowSeconds();
  const head: ChatHead = {
    id: crypto.randomUUID(),
    user_id: userId,
    title: chat.title,
    share_id: null,
    archived: false,
    created_at: chat.createdAt ?? now,
    updated_at: chat.updatedAt ?? now,
    pinned: chat.pinned,
    meta: chat.meta,
    folder_id: chat.folderId,
  };
  await db.write(async (tx) => {
    await tx.insert(db.t.chat).values({ ...head, chat: documentValue(db, chat.chatText) as unknown });
    for (const name of tagNames) if (!(await findTag(db, userId, name, tx))) await insertTag(db, tx, userId, name);
  });
  return { head, text: chat.chatText };
}

/**
 * The frontend's save of a whole chat (POST /api/v1/chats/{id}), merged into the stored one in
 * one transaction so nothing the server wrote meanwhile is lost. Undefined: not the caller's.
 */
export async function saveChatFromClient(
  db: Db,
  userId: string,
  id: string,
  bodyText: string,
): Promise<ChatWithText | Rejection | undefined> {
  return db.write(async (tx) => {
    const row = await lockChat(db, tx, userId, id);
    if (!row) return undefined;
    const storedText = row.text ?? "{}";
    const now = nowSeconds();
    const result = await runChatOperation(
      "mergeClientSave",
      { storedText, ledger: ledgerOf(row.head.meta), bodyText, now },
      storedText.length + bodyText.length,
    );
    if ("invalid" in result || "bad" in result) return result;
    const meta = withLedger(row.head.meta, result.ledger);
    await tx
      .update(db.t.chat)
      .set({ chat: documentValue(db, result.chatText) as unknown, title: result.title, meta, updated_at: now })
      .where(ownedBy(db, userId, id));
    return { head: { ...row.head, title: result.title, meta, updated_at: now }, text: result.chatText };
  });
}

/**
 * Applies one change to one message of a chat, atomically: `history.messages[messageId]`,
 * `history.currentId` and the flat `messages` list move together, and the change is recorded so
 * that a concurrent save from the frontend cannot undo it. Undefined: not the owner's chat.
 */
async function changeChatMessageHere(
  db: Db,
  target: { chatId: string; userId: string; messageId: string },
  change: MessageChange,
): Promise<ChatHead | undefined> {
  return db.write(async (tx) => {
    const row = await lockChat(db, tx, target.userId, target.chatId);
    if (!row) return undefined;
    const storedText = row.text ?? "{}";
    const now = nowSeconds();
    const result = await runChatOperation(
      "changeMessage",
      { storedText, ledger: ledgerOf(row.head.meta), messageId: target.messageId, change, now },
      storedText.length,
    );
    if (!result.changed) return row.head;
    const meta = withLedger(row.head.meta, result.ledger);
    await tx
      .update(db.t.chat)
      .set({ chat: documentValue(db, result.chatText) as unknown, meta, updated_at: now })
      .where(ownedBy(db, target.userId, target.chatId));
    return { ...row.head, meta, updated_at: now };
  });
}

/**
 * Upserts one message into a chat's history: `history.messages[messageId] = {...old, ...message}`
 * (or `message` when new, linked into its parent's `childrenIds`), `history.currentId =
 * messageId`, and the flat `messages` list rebuilt along that branch; `updated_at` is bumped.
 * It runs in one transaction and records the written fields, so a whole-chat save posted by the
 * frontend at the same time keeps this message instead of overwriting it with an older copy.
 * Returns the chat's row without its document, or undefined when the chat does not exist or is
 * not `userId`'s.
 */
export function upsertChatMessage(
  db: Db,
  target: { chatId: string; userId: string; messageId: string },
  message: Json,
): Promise<ChatHead | undefined> {
  return changeChatMessage(db, target, { kind: "upsert", patch: message });
}

/** Sets the chat's title (document and column), e.g. after title generation. */
async function setChatTitleHere(db: Db, userId: string, id: string, title: string): Promise<ChatHead | undefined> {
  return db.write(async (tx) => {
    const row = await lockChat(db, tx, userId, id);
    if (!row) return undefined;
    const storedText = row.text ?? "{}";
    const { chatText } = await runChatOperation("retitleDocument", { storedText, title }, storedText.length);
    const now = nowSeconds();
    await tx
      .update(db.t.chat)
      .set({ chat: documentValue(db, chatText) as unknown, title, updated_at: now })
      .where(ownedBy(db, userId, id));
    return { ...row.head, title, updated_at: now };
  });
}

/** Replaces a chat's tags (creating missing tag rows, dropping unused ones), e.g. after tag generation. */
async function replaceChatTagsHere(db: Db, userId: string, id: string, names: string[]): Promise<string[] | undefined> {
  return db.write(async (tx) => {
    const head = await getChatHead(db, userId, id, tx);
    if (!head) return undefined;
    const wanted = names.filter((name) => tagIdOf(name) !== "none");
    const next = [...new Set(wanted.map(tagIdOf))];
    await writeTags(db, tx, userId, head, next);
    for (const tagId of tagIdsOf(head)) if (!next.includes(tagId)) await dropTagIfUnused(db, tx, userId, tagId);
    for (const name of wanted) if (!(await findTag(db, userId, name, tx))) await insertTag(db, tx, userId, name);
    return next;
  });
}

// ---------------------------------------------------------------------------------------------
// Flags, folders, archive

/** Runs `change` if the chat is the caller's; false when it is not. */
async function updateOwned(db: Db, userId: string, id: string, change: (tx: Query) => Promise<unknown>): Promise<boolean> {
  return db.write(async (tx) => {
    if (!(await getChatHead(db, userId, id, tx))) return false;
    await change(tx);
    return true;
  });
}

function togglePinnedHere(db: Db, userId: string, id: string) {
  const c = db.t.chat;
  return updateOwned(db, userId, id, (tx) =>
    tx
      .update(c)
      .set({ pinned: sql`NOT COALESCE(${c.pinned}, ${false})` as unknown as boolean, updated_at: nowSeconds() })
      .where(ownedBy(db, userId, id)),
  );
}

function moveToFolderHere(db: Db, userId: string, id: string, folderId: string | null) {
  return updateOwned(db, userId, id, (tx) =>
    tx.update(db.t.chat).set({ folder_id: folderId, pinned: false, updated_at: nowSeconds() }).where(ownedBy(db, userId, id)),
  );
}

/** Toggles `archived`; archiving drops tags no other active chat uses, unarchiving restores them. */
async function toggleArchivedHere(db: Db, userId: string, id: string): Promise<boolean> {
  const c = db.t.chat;
  return db.write(async (tx) => {
    const head = await getChatHead(db, userId, id, tx);
    if (!head) return false;
    const archived = !head.archived;
    await tx.update(c).set({ archived, updated_at: nowSeconds() }).where(ownedBy(db, userId, id));
    for (const tagId of tagIdsOf(head)) {
      if (archived) await dropTagIfUnused(db, tx, userId, tagId);
      else if (!(await findTag(db, userId, tagId, tx))) await insertTag(db, tx, userId, tagId);
    }
    return true;
  });
}

async function setAllArchivedHere(db: Db, userId: string, archived: boolean): Promise<void> {
  const c = db.t.chat;
  await db.write((tx) => tx.update(c).set({ archived }).where(eq(c.user_id, userId)));
}

// ---------------------------------------------------------------------------------------------
// Tags on chats

async function dropTagIfUnused(db: Db, tx: Query, userId: string, tagId: string): Promise<void> {
  const c = db.t.chat;
  const [used] = await tx
    .select({ id: c.id })
    .from(c)
    .where(and(eq(c.user_id, userId), eq(c.archived, false), hasTag(db, tagId)))
    .limit(1);
  if (!used) await deleteTag(db, tx, userId, tagId);
}

async function writeTags(db: Db, tx: Query, userId: string, head: ChatHead, tags: string[]) {
  await tx
    .update(db.t.chat)
    .set({ meta: { ...head.meta, tags } })
    .where(ownedBy(db, userId, head.id));
}

/** Adds a tag (creating the tag row when needed); the chat's tag ids after the change. */
async function addChatTagHere(db: Db, userId: string, id: string, name: string): Promise<string[] | undefined> {
  return db.write(async (tx) => {
    const head = await getChatHead(db, userId, id, tx);
    if (!head) return undefined;
    const tags = tagIdsOf(head);
    const tagId = tagIdOf(name);
    if (tags.includes(tagId)) return tags;
    if (!(await findTag(db, userId, name, tx))) await insertTag(db, tx, userId, name);
    const next = [...new Set([...tags, tagId])];
    await writeTags(db, tx, userId, head, next);
    return next;
  });
}

async function removeChatTagHere(db: Db, userId: string, id: string, name: string): Promise<string[] | undefined> {
  return db.write(async (tx) => {
    const head = await getChatHead(db, userId, id, tx);
    if (!head) return undefined;
    const tagId = tagIdOf(name);
    const next = [...new Set(tagIdsOf(head).filter((t) => t !== tagId))];
    await writeTags(db, tx, userId, head, next);
    await dropTagIfUnused(db, tx, userId, tagId);
    return next;
  });
}

async function removeAllChatTagsHere(db: Db, userId: string, id: string): Promise<boolean> {
  return db.write(async (tx) => {
    const head = await getChatHead(db, userId, id, tx);
    if (!head) return false;
    await writeTags(db, tx, userId, head, []);
    for (const tagId of tagIdsOf(head)) await dropTagIfUnused(db, tx, userId, tagId);
    return true;
  });
}

/** The tag list of POST /chats/tags; a tag no chat carries any more is deleted. */
export async function listTaggedTitlesPruning(db: Db, userId: string, tagName: string): Promise<ChatTitle[]> {
  const rows = await listTaggedTitles(db, userId, tagName);
  if (rows.length === 0) await db.write((tx) => deleteTag(db, tx, userId, tagName));
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Deleting

async function deleteSnapshotsOf(db: Db, tx: Query, chatIdsSql: SQL): Promise<void> {
  const c = db.t.chat;
  await tx.delete(c).where(sql`${c.user_id} IN (SELECT ${SHARED} || id FROM chat WHERE ${chatIdsSql})`);
}

/** Deletes a chat, its share snapshot, and the owner's tags that no other active chat uses. */
export async function deleteChat(db: Db, ownerId: string, id: string): Promise<boolean> {
  const c = db.t.chat;
  return db.write(async (tx) => {
    const head = await getChatHead(db, ownerId, id, tx);
    if (!head) return false;
    await tx.delete(c).where(eq(c.user_id, `${SHARED}${id}`));
    await tx.delete(c).where(ownedBy(db, ownerId, id));
    for (const tagId of tagIdsOf(head)) await dropTagIfUnused(db, tx, ownerId, tagId);
    return true;
  });
}

export async function deleteAllChats(db: Db, userId: string): Promise<void> {
  const c = db.t.chat;
  await db.write(async (tx) => {
    await deleteSnapshotsOf(db, tx, sql`user_id = ${userId}`);
    await tx.delete(c).where(eq(c.user_id, userId));
  });
}

export async function countChatsInFolders(db: Db, userId: string, folderIds: string[], q: Query = db.read): Promise<number> {
  if (folderIds.length === 0) return 0;
  const c = db.t.chat;
  const rows = await q
    .select({ id: c.id })
    .from(c)
    .where(and(eq(c.user_id, userId), inArray(c.folder_id, folderIds)))
    .limit(1);
  return rows.length;
}

/** Inside a folder deletion: the chats of those folders and their share snapshots. */
export async function deleteChatsInFolders(db: Db, tx: Query, userId: string, folderIds: string[]): Promise<void> {
  if (folderIds.length === 0) return;
  const c = db.t.chat;
  const folderList = sql.join(folderIds.map((f) => sql`${f}`), sql`, `);
  await deleteSnapshotsOf(db, tx, sql`user_id = ${userId} AND folder_id IN (${folderList})`);
  await tx.delete(c).where(and(eq(c.user_id, userId), inArray(c.folder_id, folderIds)));
}

// ---------------------------------------------------------------------------------------------
// Clones and shares

/** A copy of a chat for `userId`, built by `cloneDocument` (in a worker when large). */
export async function insertClone(
  db: Db,
  userId: string,
  source: ChatWithText,
  options: { title: string; folderId: string | null },
): Promise<ChatWithText> {
  const storedText = source.text ?? "{}";
  const { chatText, title } = await runChatOperation(
    "cloneDocument",
    { storedText, originalId: source.head.id, title: options.title },
    storedText.length,
  );
  return insertChat(db, userId, {
    chatText,
    title,
    folderId: options.folderId,
    meta: publicMeta(source.head.meta),
    pinned: source.head.pinned,
    createdAt: null,
    updatedAt: null,
  });
}

/**
 * Creates or refreshes the share snapshot: a second row with the share id as its id and
 * `shared-<chat id>` as its owner. The document is copied inside the database.
 */
async function shareChatHere(db: Db, userId: string, id: string): Promise<{ ownerId: string; id: string } | undefined> {
  const c = db.t.chat;
  return db.write(async (tx) => {
    const head = await getChatHead(db, userId, id, tx);
    if (!head) return undefined;
    const now = nowSeconds();
    const snapshotOwner = `${SHARED}${id}`;
    const meta = publicMeta(head.meta);
    let shareId = head.share_id;
    let refreshed = false;
    if (shareId) {
      const updated = await tx
        .update(c)
        .set({
          title: head.title,
          chat: sql`(SELECT o_.chat FROM chat AS o_ WHERE o_.id = ${id} AND o_.user_id = ${userId})` as unknown,
          meta,
          pinned: head.pinned,
          folder_id: head.folder_id,
          updated_at: now,
        })
        .where(eq(c.user_id, snapshotOwner))
        .returning({ id: c.id });
      refreshed = updated.length > 0;
      if (refreshed) shareId = updated[0]!.id;
    }
    if (!refreshed) {
      shareId ??= crypto.randomUUID();
      await tx.insert(c).select(
        tx
          .select({
            id: sql`${shareId}`.as("id"),
            user_id: sql`${snapshotOwner}`.as("user_id"),
            title: c.title,
            share_id: sql`NULL`.as("share_id"),
            archived: sql`${false}`.as("archived"),
            created_at: c.created_at,
            updated_at: sql`${now}`.as("updated_at"),
            chat: c.chat,
            pinned: c.pinned,
            meta: sql`${JSON.stringify(meta)}`.as("meta"),
            folder_id: c.folder_id,
          })
          .from(c)
          .where(ownedBy(db, userId, id)) as never,
      );
      await tx.update(c).set({ share_id: shareId }).where(ownedBy(db, userId, id));
    }
    return { ownerId: snapshotOwner, id: shareId as string };
  });
}

/** Removes the snapshot; false when the chat was not shared, undefined when not the caller's. */
async function unshareChatHere(db: Db, userId: string, id: string): Promise<boolean | undefined> {
  const c = db.t.chat;
  return db.write(async (tx) => {
    const head = await getChatHead(db, userId, id, tx);
    if (!head) return undefined;
    if (!head.share_id) return false;
    await tx.delete(c).where(eq(c.user_id, `${SHARED}${id}`));
    await tx.update(c).set({ share_id: null }).where(ownedBy(db, userId, id));
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Search

export interface SearchPlan {
  userId: string;
  archived: boolean;
  pinned?: boolean;
  shared?: boolean;
  folderIds?: string[];
  tagIds: string[];
  /** Lower-cased words left after the filter tokens (may be empty). */
  text: string;
}

function candidateWhere(db: Db, plan: SearchPlan): SQL {
  const c = db.t.chat;
  const tagFilter = plan.tagIds.includes("none")
    ? hasNoTags(db)
    : plan.tagIds.length > 0
      ? (and(...plan.tagIds.map((t) => hasTag(db, t))) as SQL)
      : undefined;
  return and(
    eq(c.user_id, plan.userId),
    eq(c.archived, plan.archived),
    plan.pinned === undefined ? undefined : plan.pinned ? eq(c.pinned, true) : notPinned(db),
    plan.shared === undefined ? undefined : plan.shared ? isNotNull(c.share_id) : isNull(c.share_id),
    plan.folderIds ? inArray(c.folder_id, plan.folderIds) : undefined,
    tagFilter,
  ) as SQL;
}

/** SQL LIKE semantics of `%text%` (with `%` and `_` wildcards) on an already lower-cased value. */
function likeMatcher(text: string): (value: string) => boolean {
  if (!/[%_]/.test(text)) return (value) => value.includes(text);
  const pattern = text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replaceAll("%", ".*").replaceAll("_", ".");
  const regex = new RegExp(pattern, "s");
  return (value) => regex.test(value);
}

/** Can the raw JSON text be pre-filtered with LIKE? Only for text JSON does not escape. */
function plainAscii(text: string): boolean {
  return /^[\x20-\x7e]+$/.test(text) && !/["\\%_]/.test(text);
}

function contentMatches(db: Db, text: string): SQL {
  const c = db.t.chat;
  if (db.dialect === "postgres") {
    // `messages` is extracted once (OFFSET 0 keeps the planner from inlining it twice): each
    // extraction parses the whole document.
    return sql`EXISTS (SELECT 1 FROM (SELECT ${c.chat}->'messages' AS ms_ OFFSET 0) AS x_, json_array_elements(CASE WHEN json_typeof(x_.ms_) = 'array' THEN x_.ms_ ELSE '[]'::json END) AS m_ WHERE LOWER(m_->>'content') LIKE '%' || ${text} || '%')`;
  }
  const exact = sql`EXISTS (SELECT 1 FROM json_each(${c.chat}, '$.messages') AS m_ WHERE LOWER(json_extract(m_.value, '$.content')) LIKE '%' || ${text} || '%')`;
  // A cheap scan of the raw text first: it must contain the words if any message does.
  return plainAscii(text) ? sql`(${c.chat} LIKE ${`%${text}%`} AND ${exact})` : exact;
}

/**
 * Chats whose title or message text contains `plan.text`, newest first. The candidates come
 * from one projected query; documents are then checked in growing batches, stopping as soon as
 * the page is full, so a search never scans more than it must and never holds the event loop
 * for the whole history at once.
 */
export async function searchChatTitles(db: Db, plan: SearchPlan, skip: number, limit: number): Promise<ChatTitle[]> {
  const c = db.t.chat;
  const where = candidateWhere(db, plan);
  const order = [desc(c.updated_at)];
  const wanted = skip + limit;
  if (!plan.text) return titles(db, where, order, skip, limit, await newestFirstSource(db, plan.userId, wanted));
  // Most searches fill the page from the newest chats: check those first, the others only if needed.
  const head = FIRST_CANDIDATES + skip;
  const newest = await titles(db, where, order, 0, head, await newestFirstSource(db, plan.userId, head));
  const found = await searchCandidates(db, plan, newest, wanted);
  if (found.length < wanted && newest.length === head) {
    const older = await titles(db, where, order, head, Number.MAX_SAFE_INTEGER);
    found.push(...(await searchCandidates(db, plan, older, wanted - found.length)));
  }
  return found.slice(skip, skip + limit);
}

const FIRST_CANDIDATES = 512;

/** The candidates (in order) whose title or messages contain the text, up to `wanted` of them. */
async function searchCandidates(db: Db, plan: SearchPlan, candidates: ChatTitle[], wanted: number): Promise<ChatTitle[]> {
  const c = db.t.chat;
  const titleMatches = likeMatcher(plan.text);
  const found: ChatTitle[] = [];
  // The first batch is just enough if every candidate matches; later ones grow for rare words.
  let batch = Math.max(32, wanted);
  for (
    let start = 0;
    start < candidates.length && found.length < wanted;
    start += batch, batch = Math.min(1024, Math.max(wanted - found.length, batch * 2))
  ) {
    const slice = candidates.slice(start, start + batch);
    const unknown = new Set(slice.filter((chat) => !titleMatches(chat.title.toLowerCase())).map((chat) => chat.id));
    const contentHits = new Set<string>();
    if (unknown.size > 0) {
      const rows = await db.read
        .select({ id: c.id })
        .from(c)
        .where(and(eq(c.user_id, plan.userId), inArray(c.id, [...unknown]), contentMatches(db, plan.text)));
      for (const row of rows) contentHits.add(row.id);
    }
    for (const chat of slice) if (!unknown.has(chat.id) || contentHits.has(chat.id)) found.push(chat);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Large chats in worker threads

/** The changes a worker thread may run against its own connection (see chat-worker.ts). */
export const WORKER_OPS = {
  changeChatMessage: changeChatMessageHere,
  setChatTitle: setChatTitleHere,
  replaceChatTags: replaceChatTagsHere,
  togglePinned: togglePinnedHere,
  moveToFolder: moveToFolderHere,
  toggleArchived: toggleArchivedHere,
  setAllArchived: setAllArchivedHere,
  addChatTag: addChatTagHere,
  removeChatTag: removeChatTagHere,
  removeAllChatTags: removeAllChatTagsHere,
  shareChat: shareChatHere,
  unshareChat: unshareChatHere,
};

type WorkerOps = typeof WORKER_OPS;
export type WorkerOp = keyof WorkerOps;
type OpArgs<K extends WorkerOp> = WorkerOps[K] extends (db: Db, ...args: infer A) => unknown ? A : never;
type OpResult<K extends WorkerOp> = Awaited<ReturnType<WorkerOps[K]>>;

/** Runs `op` in a worker (during this process's write turn) when `large`, else here. */
async function offload<K extends WorkerOp>(db: Db, op: K, large: boolean, args: OpArgs<K>): Promise<OpResult<K>> {
  const spec = large ? databaseSpec(db) : undefined;
  if (spec) {
    try {
      return await db.writeTurn(() => runInWorker<OpResult<K>>("repository", { spec, op, args }));
    } catch (error) {
      if (!(error instanceof WorkerUnavailable)) throw error;
    }
  }
  const run = WORKER_OPS[op] as unknown as (db: Db, ...rest: OpArgs<K>) => Promise<OpResult<K>>;
  return run(db, ...args);
}

/** Changes that parse the document: large for documentSize beyond largeFrom. */
async function parsesLarge(db: Db, userId: string, id: string): Promise<boolean> {
  return ((await chatSize(db, userId, id)) ?? 0) >= largeFrom(db);
}

/** On SQLite any UPDATE of a chat row rewrites its document too (PostgreSQL keeps it aside). */
async function rewritesLarge(db: Db, userId: string, id: string): Promise<boolean> {
  return db.dialect === "sqlite" && ((await chatSize(db, userId, id)) ?? 0) >= INLINE_LIMIT;
}

export async function changeChatMessage(
  db: Db,
  target: { chatId: string; userId: string; messageId: string },
  change: MessageChange,
): Promise<ChatHead | undefined> {
  return offload(db, "changeChatMessage", await parsesLarge(db, target.userId, target.chatId), [target, change]);
}

/** Sets the chat's title (document and column), e.g. after title generation. */
export async function setChatTitle(db: Db, userId: string, id: string, title: string): Promise<ChatHead | undefined> {
  return offload(db, "setChatTitle", await parsesLarge(db, userId, id), [userId, id, title]);
}

/** Replaces a chat's tags (creating missing tag rows, dropping unused ones), e.g. after tag generation. */
export async function replaceChatTags(db: Db, userId: string, id: string, names: string[]): Promise<string[] | undefined> {
  return offload(db, "replaceChatTags", await rewritesLarge(db, userId, id), [userId, id, names]);
}

/** Toggles `pinned` (NULL counts as false) and bumps updated_at; false when not the caller's. */
export async function togglePinned(db: Db, userId: string, id: string): Promise<boolean> {
  return offload(db, "togglePinned", await rewritesLarge(db, userId, id), [userId, id]);
}

/** Moves a chat to a folder (or the root), unpinning it; false when not the caller's. */
export async function moveToFolder(db: Db, userId: string, id: string, folderId: string | null): Promise<boolean> {
  return offload(db, "moveToFolder", await rewritesLarge(db, userId, id), [userId, id, folderId]);
}

/** Toggles `archived`; archiving drops tags no other active chat uses, unarchiving restores them. */
export async function toggleArchived(db: Db, userId: string, id: string): Promise<boolean> {
  return offload(db, "toggleArchived", await rewritesLarge(db, userId, id), [userId, id]);
}

/** Archives or unarchives all of a user's chats (on SQLite a rewrite of every row: in a worker). */
export async function setAllArchived(db: Db, userId: string, archived: boolean): Promise<void> {
  return offload(db, "setAllArchived", db.dialect === "sqlite", [userId, archived]);
}

/** Adds a tag (creating the tag row when needed); the chat's tag ids after the change. */
export async function addChatTag(db: Db, userId: string, id: string, name: string): Promise<string[] | undefined> {
  return offload(db, "addChatTag", await rewritesLarge(db, userId, id), [userId, id, name]);
}

export async function removeChatTag(db: Db, userId: string, id: string, name: string): Promise<string[] | undefined> {
  return offload(db, "removeChatTag", await rewritesLarge(db, userId, id), [userId, id, name]);
}

export async function removeAllChatTags(db: Db, userId: string, id: string): Promise<boolean> {
  return offload(db, "removeAllChatTags", await rewritesLarge(db, userId, id), [userId, id]);
}

/**
 * Creates or refreshes the share snapshot (a second row with the share id as its id and
 * `shared-<chat id>` as its owner); where it is, or undefined when not the caller's chat.
 */
export async function shareChat(db: Db, userId: string, id: string): Promise<{ ownerId: string; id: string } | undefined> {
  return offload(db, "shareChat", await rewritesLarge(db, userId, id), [userId, id]);
}

/** Removes the snapshot; false when the chat was not shared, undefined when not the caller's. */
export async function unshareChat(db: Db, userId: string, id: string): Promise<boolean | undefined> {
  return offload(db, "unshareChat", await rewritesLarge(db, userId, id), [userId, id]);
}
