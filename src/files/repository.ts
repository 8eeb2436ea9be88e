// Table access for `file`. Rows are returned as Open WebUI's FileModel; JSON columns written by
// Python as JSON null read back as null here too.
import { and, desc, eq, inArray } from "drizzle-orm";
import type { Db, Query } from "../db/client";

export type FileRow = typeof import("../db/schema.pg").file.$inferSelect;
export type JsonObject = Record<string, unknown>;

export interface FileModel {
  id: string;
  user_id: string;
  hash: string | null;
  filename: string;
  path: string | null;
  data: JsonObject | null;
  meta: JsonObject | null;
  access_control: JsonObject | null;
  created_at: number;
  updated_at: number;
}

export interface FileMetadata {
  id: string;
  meta: JsonObject;
  created_at: number;
  updated_at: number;
}

const now = () => Math.floor(Date.now() / 1000);

export function asObject(value: unknown): JsonObject | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
}

export function toFileModel(row: FileRow): FileModel {
  return {
    id: row.id,
    user_id: row.user_id,
    hash: row.hash ?? null,
    filename: row.filename,
    path: row.path ?? null,
    data: asObject(row.data),
    meta: asObject(row.meta),
    access_control: asObject(row.access_control),
    created_at: row.created_at,
    updated_at: row.updated_at ?? row.created_at,
  };
}

export async function insertFile(
  db: Db,
  fields: { id: string; user_id: string; filename: string; path: string; data: JsonObject; meta: JsonObject },
): Promise<FileModel> {
  const time = now();
  const row = { ...fields, hash: null, access_control: null, created_at: time, updated_at: time };
  await db.write((tx) => tx.insert(db.t.file).values(row));
  return toFileModel(row as FileRow);
}

export async function findFile(db: Db, id: string): Promise<FileModel | null> {
  const { file } = db.t;
  const [row] = await db.read.select().from(file).where(eq(file.id, id)).limit(1);
  return row ? toFileModel(row) : null;
}

/** The caller's own file (any file for an admin): the owner predicate is in the query. */
export async function findOwnFile(db: Db, id: string, caller: { id: string; role: string }): Promise<FileModel | null> {
  const { file } = db.t;
  const where = caller.role === "admin" ? eq(file.id, id) : and(eq(file.id, id), eq(file.user_id, caller.id));
  const [row] = await db.read.select().from(file).where(where).limit(1);
  return row ? toFileModel(row) : null;
}

/** Every file for an admin, the caller's own files otherwise. */
export async function listFiles(db: Db, caller: { id: string; role: string }): Promise<FileModel[]> {
  const { file } = db.t;
  const query = db.read.select().from(file);
  const rows = caller.role === "admin" ? await query : await query.where(eq(file.user_id, caller.id));
  return rows.map(toFileModel);
}

export async function filesByIds(db: Db, ids: string[]): Promise<FileModel[]> {
  if (ids.length === 0) return [];
  const { file } = db.t;
  const rows = await db.read.select().from(file).where(inArray(file.id, ids)).orderBy(desc(file.updated_at));
  return rows.map(toFileModel);
}

/** Open WebUI's FileMetadataResponse list, newest first, without the heavy `data` column. */
export async function fileMetadatas(db: Db, ids: string[]): Promise<FileMetadata[]> {
  if (ids.length === 0) return [];
  const { file } = db.t;
  const rows = await db.read
    .select({ id: file.id, meta: file.meta, created_at: file.created_at, updated_at: file.updated_at })
    .from(file)
    .where(inArray(file.id, ids))
    .orderBy(desc(file.updated_at));
  return rows.map((r) => ({ id: r.id, meta: asObject(r.meta) ?? {}, created_at: r.created_at, updated_at: r.updated_at ?? r.created_at }));
}

/** Which of `ids` still have a row. */
export async function existingFileIds(db: Db, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { file } = db.t;
  const rows = await db.read.select({ id: file.id }).from(file).where(inArray(file.id, ids));
  return new Set(rows.map((r) => r.id));
}

async function lockRow(db: Db, tx: Query, id: string) {
  const { file } = db.t;
  const query = tx.select({ data: file.data, meta: file.meta }).from(file).where(eq(file.id, id)).limit(1);
  const [row] = db.dialect === "postgres" ? await query.for("update") : await query;
  return row;
}

/** Merges keys into `data` (Open WebUI's update_file_data_by_id; updated_at is left alone). */
export async function mergeFileData(db: Db, id: string, patch: JsonObject): Promise<void> {
  await db.write(async (tx) => {
    const row = await lockRow(db, tx, id);
    if (!row) return;
    const data = { ...(asObject(row.data) ?? {}), ...patch };
    for (const [key, value] of Object.entries(patch)) if (value === undefined) delete data[key];
    await tx.update(db.t.file).set({ data }).where(eq(db.t.file.id, id));
  });
}

export async function mergeFileMeta(db: Db, id: string, patch: JsonObject): Promise<void> {
  await db.write(async (tx) => {
    const row = await lockRow(db, tx, id);
    if (!row) return;
    await tx.update(db.t.file).set({ meta: { ...(asObject(row.meta) ?? {}), ...patch } }).where(eq(db.t.file.id, id));
  });
}

export async function setFileHash(db: Db, id: string, hash: string): Promise<void> {
  await db.write((tx) => tx.update(db.t.file).set({ hash }).where(eq(db.t.file.id, id)));
}

export async function deleteFileRow(db: Db, id: string): Promise<void> {
  await db.write((tx) => tx.delete(db.t.file).where(eq(db.t.file.id, id)));
}

export async function deleteAllFileRows(db: Db): Promise<void> {
  await db.write((tx) => tx.delete(db.t.file));
}
