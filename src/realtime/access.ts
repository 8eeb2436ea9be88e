// The few access checks the socket handlers need: which channels a user may read (their rooms),
// and who may open or save a note. Open WebUI's rules: owner, admin, or a grant in the row's
// `access_control` ({read|write: {user_ids, group_ids}}); no access_control means readable by all.
import { eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { updateNote } from "../notes/repository";
import type { SessionUser } from "./pools";

type Permission = "read" | "write";

interface AccessControl {
  read?: { user_ids?: unknown; group_ids?: unknown };
  write?: { user_ids?: unknown; group_ids?: unknown };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];

export async function groupIdsOf(db: Db, userId: string): Promise<Set<string>> {
  const { group } = db.t;
  const rows = await db.read.select({ id: group.id, user_ids: group.user_ids }).from(group);
  return new Set(rows.filter((row) => strings(row.user_ids).includes(userId)).map((row) => row.id));
}

export function hasAccess(userId: string, groupIds: Set<string>, permission: Permission, accessControl: unknown): boolean {
  if (accessControl === null || accessControl === undefined) return permission === "read";
  if (!isObject(accessControl)) return false;
  const grant = (accessControl as AccessControl)[permission];
  if (!isObject(grant)) return false;
  return strings(grant.user_ids).includes(userId) || strings(grant.group_ids).some((id) => groupIds.has(id));
}

/** Ids of the channels the user owns or may read: the `channel:<id>` rooms their sockets join. */
export async function readableChannelIds(db: Db, userId: string): Promise<string[]> {
  const { channel } = db.t;
  const rows = await db.read
    .select({ id: channel.id, user_id: channel.user_id, access_control: channel.access_control })
    .from(channel);
  if (rows.length === 0) return [];
  const groups = await groupIdsOf(db, userId);
  return rows.filter((row) => row.user_id === userId || hasAccess(userId, groups, "read", row.access_control)).map((row) => row.id);
}

export interface NoteRow {
  id: string;
  user_id: string | null;
  access_control: unknown;
  data: unknown;
}

export async function findNote(db: Db, noteId: string): Promise<NoteRow | undefined> {
  const { note } = db.t;
  const [row] = await db.read
    .select({ id: note.id, user_id: note.user_id, access_control: note.access_control, data: note.data })
    .from(note)
    .where(eq(note.id, noteId))
    .limit(1);
  return row;
}

export async function mayUseNote(db: Db, user: SessionUser, note: NoteRow, permission: Permission): Promise<boolean> {
  if (user.role === "admin" || user.id === note.user_id) return true;
  return hasAccess(user.id, await groupIdsOf(db, user.id), permission, note.access_control);
}

/**
 * Merges `data` into the note's data, as Open WebUI's note update does, if the user may write
 * the note: the same update as POST /api/v1/notes/{id}/update, decided in its transaction.
 */
export async function saveNoteData(db: Db, user: SessionUser, noteId: string, data: Record<string, unknown>): Promise<void> {
  const caller = { id: user.id, role: user.role, groupIds: [...(await groupIdsOf(db, user.id))], permissions: {} };
  await updateNote(db, caller, noteId, { data });
}
