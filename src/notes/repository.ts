// The `note` table (read side). Timestamps are epoch nanoseconds, read as exact text.
import { desc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import type { AccessType } from "../core/access";
import { mayReach, ownsOrGranted, type Caller } from "../core/caller";
import { nanosecondsText } from "../core/nanoseconds";

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
