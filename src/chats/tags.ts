// The `tag` table: one row per (tag id, user). Tag ids are the name with spaces turned into
// underscores, lower-cased; chats list the ids of their tags in `chat.meta.tags`.
import { and, eq, inArray } from "drizzle-orm";
import type { Db, Query } from "../db/client";
import { jsonNull } from "../db/json";

export interface TagRow {
  id: string;
  name: string;
  user_id: string;
  meta: unknown;
}

export function tagIdOf(name: string): string {
  return name.replaceAll(" ", "_").toLowerCase();
}

function tagColumns(db: Db) {
  const { tag } = db.t;
  return { id: tag.id, name: tag.name, user_id: tag.user_id, meta: tag.meta };
}

export async function listTags(db: Db, userId: string): Promise<TagRow[]> {
  const { tag } = db.t;
  return db.read.select(tagColumns(db)).from(tag).where(eq(tag.user_id, userId));
}

export async function tagsByIds(db: Db, userId: string, ids: string[], q: Query = db.read): Promise<TagRow[]> {
  if (ids.length === 0) return [];
  const { tag } = db.t;
  return q
    .select(tagColumns(db))
    .from(tag)
    .where(and(eq(tag.user_id, userId), inArray(tag.id, ids)));
}

export async function findTag(db: Db, userId: string, name: string, q: Query = db.read): Promise<TagRow | undefined> {
  const { tag } = db.t;
  const [row] = await q
    .select(tagColumns(db))
    .from(tag)
    .where(and(eq(tag.user_id, userId), eq(tag.id, tagIdOf(name))))
    .limit(1);
  return row;
}

/** Creates the tag unless it exists (a concurrent insert of the same tag is not an error). */
export async function insertTag(db: Db, tx: Query, userId: string, name: string): Promise<void> {
  const { tag } = db.t;
  await tx
    .insert(tag)
    .values({ id: tagIdOf(name), name, user_id: userId, meta: jsonNull(db) as unknown })
    .onConflictDoNothing();
}

export async function deleteTag(db: Db, tx: Query, userId: string, name: string): Promise<void> {
  const { tag } = db.t;
  await tx.delete(tag).where(and(eq(tag.user_id, userId), eq(tag.id, tagIdOf(name))));
}
