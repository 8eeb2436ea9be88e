// The `note` table. Timestamps are epoch nanoseconds, read and written as exact text. Every
// change takes the caller and decides inside its transaction whether the caller may make it.
import { desc, eq } from "drizzle-orm";
import type { Db, Query } from "../db/client";
import type { AccessType } from "../core/access";
import { mayReach, ownsOrGranted, type Caller } from "../core/caller";
import { nanosecondsText, nanosecondsValue, nowNanoseconds } from "../core/nanoseconds";
import { storedJson, workspaceItemValues } from "../db/json";

export interface NoteSummary {
  id: string;
  user_id: string | null;
  title: string | null;
  access_control: unknown;
  created_at: string | null;
  updated_at: string | null;
}

export interface NoteRow extends NoteSummary {
  data: unknown;
  meta: unknown;
}

const summaryColumns = (db: Db) => {
  const { note } = db.t;
  return {
    id: note.id,
    user_id: note.user_id,
    title: note.title,
    access_control: note.access_control,
    created_at: nanosecondsText(note.created_at),
    updated_at: nanosecondsText(note.updated_at),
  };
};

const columns = (db: Db) => ({ ...summaryColumns(db), data: db.t.note.data, meta: db.t.note.meta });

export interface Page {
  skip?: number;
  limit?: number;
}

/**
 * The notes the caller owns or may `type`, most recently updated first; the page is counted
 * among those notes only, as the reference does.
 */
export async function listNotesFor(db: Db, caller: Caller, type: AccessType, page?: Page): Promise<NoteRow[]>;
export async function listNotesFor(db: Db, caller: Caller, type: AccessType, page: Page | undefined, summary: true): Promise<NoteSummary[]>;
export async function listNotesFor(db: Db, caller: Caller, type: AccessType, page: Page = {}, summary = false) {
  const { note } = db.t;
  const rows: NoteSummary[] = await db.read
    .select(summary ? summaryColumns(db) : columns(db))
    .from(note)
    .where(mayReach(note.user_id, note.access_control, caller, type))
    .orderBy(desc(note.updated_at), desc(note.id));
  const reachable = rows.filter((row) => ownsOrGranted(caller, row, type));
  const start = page.skip && page.skip > 0 ? page.skip : 0;
  return reachable.slice(start, page.limit === undefined ? undefined : start + page.limit);
}

async function findNote(db: Db, id: string): Promise<NoteRow | undefined> {
  const { note } = db.t;
  const [row] = await db.read.select(columns(db)).from(note).where(eq(note.id, id)).limit(1);
  return row;
}

/** The note if the caller (an admin, its owner, or a reader) may read it. */
export async function readNote(db: Db, caller: Caller, id: string): Promise<NoteRow | "not_found" | "forbidden"> {
  const row = await findNote(db, id);
  if (!row) return "not_found";
  return caller.role === "admin" || ownsOrGranted(caller, row, "read") ? row : "forbidden";
}

type JsonObject = Record<string, unknown>;

export type Refusal = "not_found" | "forbidden";

export interface NoteForm {
  title: string;
  data?: JsonObject | null;
  meta?: JsonObject | null;
  access_control?: unknown;
}

/**
 * An update: a new title; `data` and `meta` merged key by key into the stored ones; the
 * access_control replaced when the key is present (null makes the note public).
 */
export interface NoteChange {
  title?: string;
  data?: JsonObject | null;
  meta?: JsonObject | null;
  access_control?: unknown;
}

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/** None in a JSON column is the JSON literal null, as Python stores it. */

export async function insertNote(db: Db, ownerId: string, form: NoteForm): Promise<NoteRow> {
  const { note } = db.t;
  const at = nowNanoseconds();
  const row: NoteRow = {
    id: crypto.randomUUID(),
    user_id: ownerId,
    title: form.title,
    data: form.data ?? null,
    meta: form.meta ?? null,
    access_control: form.access_control ?? null,
    created_at: at,
    updated_at: at,
  };
  await db.write((tx) => tx.insert(note).values(workspaceItemValues(db, row)));
  return row;
}

const mayWrite = (caller: Caller, row: NoteRow) => caller.role === "admin" || ownsOrGranted(caller, row, "write");

async function lockedNote(tx: Query, db: Db, id: string): Promise<NoteRow | undefined> {
  const { note } = db.t;
  const query = tx.select(columns(db)).from(note).where(eq(note.id, id)).limit(1);
  // Two writers (the note page and the collaborative editor's saves) merge into the same data.
  const [row] = db.dialect === "postgres" ? await query.for("update") : await query;
  return row;
}

/**
 * The note after the change, if the caller (an admin, its owner, or a writer) may make it;
 * "unmergeable" (nothing changed) when `data` or `meta` is sent as null.
 */
export async function updateNote(
  db: Db,
  caller: Caller,
  id: string,
  change: NoteChange,
): Promise<NoteRow | Refusal | "unmergeable"> {
  const { note } = db.t;
  return db.write(async (tx) => {
    const row = await lockedNote(tx, db, id);
    if (!row) return "not_found";
    if (!mayWrite(caller, row)) return "forbidden";
    if (change.data === null || change.meta === null) return "unmergeable";
    const next: NoteRow = { ...row, updated_at: nowNanoseconds() };
    if (change.title !== undefined) next.title = change.title;
    // A note stored without data or meta takes the change as is (Python fails on merging into None).
    if (change.data) next.data = { ...(isObject(row.data) ? row.data : {}), ...change.data };
    if (change.meta) next.meta = { ...(isObject(row.meta) ? row.meta : {}), ...change.meta };
    if ("access_control" in change) next.access_control = change.access_control ?? null;
    await tx
      .update(note)
      .set({
        title: next.title,
        data: storedJson(db, next.data),
        meta: storedJson(db, next.meta),
        access_control: storedJson(db, next.access_control),
        updated_at: nanosecondsValue(next.updated_at as string),
      })
      .where(eq(note.id, id));
    return next;
  });
}

export async function deleteNote(db: Db, caller: Caller, id: string): Promise<true | Refusal> {
  const { note } = db.t;
  return db.write(async (tx) => {
    const row = await lockedNote(tx, db, id);
    if (!row) return "not_found";
    if (!mayWrite(caller, row)) return "forbidden";
    await tx.delete(note).where(eq(note.id, id));
    return true;
  });
}
