// The `feedback` table: message ratings, each owned by the user who gave it. Every query takes an
// owner scope: a user's own rows, or (for admins, where the reference lets them) every row.
// Timestamps are epoch seconds.
import { and, desc, eq, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { storedJson } from "../db/json";

/** Whose feedback a query may touch: one user's, or everyone's. */
export type Scope = { ownerId: string } | "everyone";

export interface FeedbackRow {
  id: string;
  user_id: string | null;
  version: number | null;
  type: string | null;
  data: unknown;
  meta: unknown;
  snapshot: unknown;
  created_at: number;
  updated_at: number;
}

/** A row without its snapshot (a copy of the whole chat), for lists. */
export type FeedbackSummary = Omit<FeedbackRow, "snapshot">;

export interface FeedbackAuthor {
  id: string;
  name: string;
  email: string;
  role: string;
  last_active_at: number;
  updated_at: number;
  created_at: number;
}

export interface FeedbackContent {
  type: string;
  data: Record<string, unknown> | null;
  meta: Record<string, unknown> | null;
  snapshot: Record<string, unknown> | null;
}

/** What an update replaces; absent fields are kept. */
export type FeedbackChange = Partial<Omit<FeedbackContent, "type">>;

const now = () => Math.floor(Date.now() / 1000);

const summaryColumns = (db: Db) => {
  const { feedback } = db.t;
  return {
    id: feedback.id,
    user_id: feedback.user_id,
    version: feedback.version,
    type: feedback.type,
    data: feedback.data,
    meta: feedback.meta,
    created_at: feedback.created_at,
    updated_at: feedback.updated_at,
  };
};

const columns = (db: Db) => ({ ...summaryColumns(db), snapshot: db.t.feedback.snapshot });

function within(db: Db, scope: Scope, id?: string): SQL | undefined {
  const { feedback } = db.t;
  const owner = scope === "everyone" ? undefined : eq(feedback.user_id, scope.ownerId);
  return and(id === undefined ? undefined : eq(feedback.id, id), owner);
}

/** None in a JSON column is the JSON literal null, as Python stores it. */

export async function insertFeedback(db: Db, ownerId: string, content: FeedbackContent): Promise<FeedbackRow> {
  const { feedback } = db.t;
  const at = now();
  const row: FeedbackRow = { id: crypto.randomUUID(), user_id: ownerId, version: 0, ...content, created_at: at, updated_at: at };
  await db.write((tx) =>
    tx.insert(feedback).values({
      ...row,
      data: storedJson(db, row.data),
      meta: storedJson(db, row.meta),
      snapshot: storedJson(db, row.snapshot),
    }),
  );
  return row;
}

/** The scope's feedback, most recently updated first, without snapshots. */
export async function listFeedbacks(db: Db, scope: Scope): Promise<FeedbackSummary[]> {
  const { feedback } = db.t;
  return db.read.select(summaryColumns(db)).from(feedback).where(within(db, scope)).orderBy(desc(feedback.updated_at));
}

/** Every feedback with its author (null when the account is gone), most recently updated first. */
export async function listFeedbacksWithAuthors(db: Db): Promise<(FeedbackSummary & { author: FeedbackAuthor | null })[]> {
  const { feedback, user } = db.t;
  const rows = await db.read
    .select({
      ...summaryColumns(db),
      author_id: user.id,
      author_name: user.name,
      author_email: user.email,
      author_role: user.role,
      author_last_active_at: user.last_active_at,
      author_updated_at: user.updated_at,
      author_created_at: user.created_at,
    })
    .from(feedback)
    .leftJoin(user, eq(user.id, feedback.user_id))
    .orderBy(desc(feedback.updated_at));
  return rows.map(({ author_id, author_name, author_email, author_role, author_last_active_at, author_updated_at, author_created_at, ...row }) => ({
    ...row,
    author:
      author_id === null
        ? null
        : {
            id: author_id,
            name: author_name ?? "",
            email: author_email ?? "",
            role: author_role ?? "pending",
            last_active_at: author_last_active_at ?? 0,
            updated_at: author_updated_at ?? 0,
            created_at: author_created_at ?? 0,
          },
  }));
}

/** Every feedback with its snapshot (the admin's export), most recently updated first. */
export async function exportFeedbacks(db: Db): Promise<FeedbackRow[]> {
  const { feedback } = db.t;
  return db.read.select(columns(db)).from(feedback).orderBy(desc(feedback.updated_at));
}

export async function findFeedback(db: Db, scope: Scope, id: string): Promise<FeedbackRow | undefined> {
  const { feedback } = db.t;
  const [row] = await db.read.select(columns(db)).from(feedback).where(within(db, scope, id)).limit(1);
  return row;
}

/** The feedback after the change, or undefined when the scope holds no such feedback. */
export async function updateFeedback(db: Db, scope: Scope, id: string, change: FeedbackChange): Promise<FeedbackRow | undefined> {
  const { feedback } = db.t;
  const where = within(db, scope, id);
  return db.write(async (tx) => {
    const [row] = await tx.select(columns(db)).from(feedback).where(where).limit(1);
    if (!row) return undefined;
    const next = { ...row, ...change, updated_at: now() };
    await tx
      .update(feedback)
      .set({
        data: storedJson(db, next.data),
        meta: storedJson(db, next.meta),
        snapshot: storedJson(db, next.snapshot),
        updated_at: next.updated_at,
      })
      .where(where);
    return next;
  });
}

/** Whether the scope held such a feedback (and now does not). */
export async function deleteFeedback(db: Db, scope: Scope, id: string): Promise<boolean> {
  const { feedback } = db.t;
  const where = within(db, scope, id);
  return db.write(async (tx) => {
    const [row] = await tx.select({ id: feedback.id }).from(feedback).where(where).limit(1);
    if (!row) return false;
    await tx.delete(feedback).where(where);
    return true;
  });
}

/** Deletes the scope's feedback; false when there was none. */
export async function deleteFeedbacks(db: Db, scope: Scope): Promise<boolean> {
  const { feedback } = db.t;
  const where = within(db, scope);
  return db.write(async (tx) => {
    const [row] = await tx.select({ id: feedback.id }).from(feedback).where(where).limit(1);
    if (!row) return false;
    await tx.delete(feedback).where(where);
    return true;
  });
}
