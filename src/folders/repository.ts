// The `folder` table: a tree per user (`parent_id`), every query scoped to the owner.
import { and, eq, inArray, isNull, sql, type SQL } from "drizzle-orm";
import { deleteChatsInFolders } from "../chats/repository";
import { isObject, type Json } from "../chats/chat-json";
import { hasAccess } from "../core/access";
import type { Db, Query } from "../db/client";
import { jsonNull } from "../db/json";

export interface FolderRow {
  id: string;
  parent_id: string | null;
  user_id: string;
  name: string;
  items: unknown;
  meta: Json | null;
  data: Json | null;
  is_expanded: boolean;
  created_at: number;
  updated_at: number;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function columns(db: Db) {
  const f = db.t.folder;
  return {
    id: f.id,
    parent_id: f.parent_id,
    user_id: f.user_id,
    name: f.name,
    items: f.items,
    meta: f.meta,
    data: f.data,
    is_expanded: f.is_expanded,
    created_at: f.created_at,
    updated_at: f.updated_at,
  };
}

function normalize(row: FolderRow): FolderRow {
  return {
    ...row,
    items: row.items ?? null,
    meta: isObject(row.meta) ? row.meta : null,
    data: isObject(row.data) ? row.data : null,
    is_expanded: Boolean(row.is_expanded),
    created_at: Number(row.created_at),
    updated_at: Number(row.updated_at),
  };
}

function ownedBy(db: Db, userId: string, id: string): SQL {
  const f = db.t.folder;
  return and(eq(f.id, id), eq(f.user_id, userId)) as SQL;
}

export async function listFolders(db: Db, userId: string): Promise<FolderRow[]> {
  const f = db.t.folder;
  const rows = await db.read.select(columns(db)).from(f).where(eq(f.user_id, userId));
  return rows.map((r) => normalize(r as FolderRow));
}

export async function getFolder(db: Db, userId: string, id: string, q: Query = db.read): Promise<FolderRow | undefined> {
  const [row] = await q.select(columns(db)).from(db.t.folder).where(ownedBy(db, userId, id)).limit(1);
  return row ? normalize(row as FolderRow) : undefined;
}

/** A sibling with this name (case-insensitive) under `parentId` (null: at the root). */
export async function findSiblingByName(
  db: Db,
  userId: string,
  parentId: string | null,
  name: string,
  q: Query = db.read,
): Promise<FolderRow | undefined> {
  const f = db.t.folder;
  const [row] = await q
    .select(columns(db))
    .from(f)
    .where(
      and(
        eq(f.user_id, userId),
        parentId === null ? isNull(f.parent_id) : eq(f.parent_id, parentId),
        sql`lower(${f.name}) = lower(${name})`,
      ),
    )
    .limit(1);
  return row ? normalize(row as FolderRow) : undefined;
}

export async function insertFolder(
  db: Db,
  userId: string,
  form: { name: string; data?: Json | null; meta?: Json | null },
): Promise<FolderRow> {
  const now = nowSeconds();
  const row: FolderRow = {
    id: crypto.randomUUID(),
    parent_id: null,
    user_id: userId,
    name: form.name,
    items: null,
    meta: form.meta ?? null,
    data: form.data ?? null,
    is_expanded: false,
    created_at: now,
    updated_at: now,
  };
  await db.write((tx) =>
    tx.insert(db.t.folder).values({
      ...row,
      items: jsonNull(db) as unknown,
      meta: (row.meta ?? jsonNull(db)) as unknown,
      data: (row.data ?? jsonNull(db)) as unknown,
    }),
  );
  return row;
}

/** Renames and merges `data` / `meta` (top-level keys), bumping updated_at. */
export async function updateFolder(
  db: Db,
  userId: string,
  id: string,
  change: { name?: string; data?: Json; meta?: Json },
): Promise<FolderRow | undefined> {
  return db.write(async (tx) => {
    const folder = await getFolder(db, userId, id, tx);
    if (!folder) return undefined;
    const next = {
      name: change.name ?? folder.name,
      data: change.data ? { ...(folder.data ?? {}), ...change.data } : folder.data,
      meta: change.meta ? { ...(folder.meta ?? {}), ...change.meta } : folder.meta,
      updated_at: nowSeconds(),
    };
    await tx
      .update(db.t.folder)
      .set({ ...next, data: (next.data ?? jsonNull(db)) as unknown, meta: (next.meta ?? jsonNull(db)) as unknown })
      .where(ownedBy(db, userId, id));
    return { ...folder, ...next };
  });
}

/** Replaces `data` without touching updated_at (used when pruning unreadable files). */
export async function replaceFolderData(db: Db, userId: string, id: string, data: Json): Promise<void> {
  await db.write((tx) => tx.update(db.t.folder).set({ data }).where(ownedBy(db, userId, id)));
}

export async function setExpanded(db: Db, userId: string, id: string, isExpanded: boolean): Promise<FolderRow | undefined> {
  return db.write(async (tx) => {
    const folder = await getFolder(db, userId, id, tx);
    if (!folder) return undefined;
    const updated_at = nowSeconds();
    await tx.update(db.t.folder).set({ is_expanded: isExpanded, updated_at }).where(ownedBy(db, userId, id));
    return { ...folder, is_expanded: isExpanded, updated_at };
  });
}

export async function setParent(db: Db, userId: string, id: string, parentId: string | null): Promise<FolderRow | undefined> {
  return db.write(async (tx) => {
    const folder = await getFolder(db, userId, id, tx);
    if (!folder) return undefined;
    const updated_at = nowSeconds();
    await tx.update(db.t.folder).set({ parent_id: parentId, updated_at }).where(ownedBy(db, userId, id));
    return { ...folder, parent_id: parentId, updated_at };
  });
}

/** `id` and every folder below it (breadth first), from one read of the user's tree. */
export function subtreeIds(folders: Pick<FolderRow, "id" | "parent_id">[], id: string): string[] {
  const children = new Map<string, string[]>();
  for (const folder of folders) {
    if (folder.parent_id === null) continue;
    const list = children.get(folder.parent_id) ?? [];
    list.push(folder.id);
    children.set(folder.parent_id, list);
  }
  const ids = [id];
  const seen = new Set(ids);
  for (let i = 0; i < ids.length; i++) {
    for (const child of children.get(ids[i]!) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      ids.push(child);
    }
  }
  return ids;
}

export async function folderTree(db: Db, userId: string, q: Query = db.read) {
  const f = db.t.folder;
  return q.select({ id: f.id, parent_id: f.parent_id, name: f.name }).from(f).where(eq(f.user_id, userId));
}

/** Deletes a folder, its descendants and all their chats, in one transaction. */
export async function deleteFolderTree(db: Db, userId: string, id: string): Promise<boolean> {
  const f = db.t.folder;
  return db.write(async (tx) => {
    const tree = await folderTree(db, userId, tx);
    if (!tree.some((folder) => folder.id === id)) return false;
    const ids = subtreeIds(tree, id);
    await deleteChatsInFolders(db, tx, userId, ids);
    await tx.delete(f).where(and(eq(f.user_id, userId), inArray(f.id, ids)));
    return true;
  });
}

/** Open WebUI's folder-name matching for `folder:` searches: case, spaces and underscores ignored. */
export function normalizeFolderName(name: string): string {
  return name.replace(/[\s_]+/g, " ").trim().toLowerCase();
}

/** Folders named like any of `names`, with all their descendants. */
export async function folderIdsByNames(db: Db, userId: string, names: string[]): Promise<string[]> {
  const wanted = new Set(names.map(normalizeFolderName));
  if (wanted.size === 0) return [];
  const tree = await folderTree(db, userId);
  const ids = new Set<string>();
  for (const folder of tree) {
    if (wanted.has(normalizeFolderName(folder.name))) for (const id of subtreeIds(tree, folder.id)) ids.add(id);
  }
  return [...ids];
}

export async function isOwnFolder(db: Db, userId: string, id: string): Promise<boolean> {
  return Boolean(await getFolder(db, userId, id));
}

/** Of these file ids, the ones `userId` may read (files are readable by their owner). */
export async function readableFileIds(db: Db, userId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const file = db.t.file;
  const rows = await db.read
    .select({ id: file.id })
    .from(file)
    .where(and(inArray(file.id, ids), eq(file.user_id, userId)));
  return new Set(rows.map((r) => r.id));
}

/** Of these knowledge ids, the ones `userId` may read: own, public (null), or granted to them or their groups. */
export async function readableKnowledgeIds(db: Db, userId: string, ids: string[], groupIds: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const knowledge = db.t.knowledge;
  const rows = await db.read
    .select({ id: knowledge.id, user_id: knowledge.user_id, access_control: knowledge.access_control })
    .from(knowledge)
    .where(inArray(knowledge.id, ids));
  const readable = rows.filter((row) => row.user_id === userId || hasAccess(userId, groupIds, "read", row.access_control));
  return new Set(readable.map((r) => r.id));
}
