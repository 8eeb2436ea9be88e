// The `message` and `message_reaction` tables, as models/messages.py of 0.6.32. Timestamps are
// epoch nanoseconds, read and written as exact text. The answers' users, reply counts, reactions
// and replied-to messages are read for a whole page at once.
import { and, asc, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { storedJson } from "../db/json";
import { nanosecondsText, nanosecondsValue, nowNanoseconds } from "../core/nanoseconds";

export interface MessageRow {
  id: string;
  user_id: string | null;
  channel_id: string | null;
  reply_to_id: string | null;
  parent_id: string | null;
  content: string | null;
  data: unknown;
  meta: unknown;
  created_at: string | null;
  updated_at: string | null;
}

type JsonObject = Record<string, unknown>;

export interface MessageForm {
  content: string;
  reply_to_id?: string | null;
  parent_id?: string | null;
  data?: JsonObject | null;
  meta?: JsonObject | null;
}

/** UserNameResponse. */
export interface UserName {
  id: string;
  name: string;
  role: string;
  profile_image_url: string;
}

export interface Reactions {
  name: string;
  user_ids: string[];
  count: number;
}

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/** None in a JSON column is the JSON literal null, as Python stores it. */

const columns = (db: Db) => {
  const { message } = db.t;
  return {
    id: message.id,
    user_id: message.user_id,
    channel_id: message.channel_id,
    reply_to_id: message.reply_to_id,
    parent_id: message.parent_id,
    content: message.content,
    data: message.data,
    meta: message.meta,
    created_at: nanosecondsText(message.created_at),
    updated_at: nanosecondsText(message.updated_at),
  };
};

export async function findMessage(db: Db, id: string): Promise<MessageRow | undefined> {
  const { message } = db.t;
  const [row] = await db.read.select(columns(db)).from(message).where(eq(message.id, id)).limit(1);
  return row;
}

async function findMessages(db: Db, ids: string[]): Promise<MessageRow[]> {
  if (ids.length === 0) return [];
  const { message } = db.t;
  return db.read.select(columns(db)).from(message).where(inArray(message.id, [...new Set(ids)]));
}

export async function insertMessage(db: Db, channelId: string, userId: string, form: MessageForm): Promise<MessageRow> {
  const { message } = db.t;
  const at = nowNanoseconds();
  const row: MessageRow = {
    id: crypto.randomUUID(),
    user_id: userId,
    channel_id: channelId,
    reply_to_id: form.reply_to_id ?? null,
    parent_id: form.parent_id ?? null,
    content: form.content,
    data: form.data ?? null,
    meta: form.meta ?? null,
    created_at: at,
    updated_at: at,
  };
  await db.write((tx) =>
    tx.insert(message).values({
      ...row,
      data: storedJson(db, row.data),
      meta: storedJson(db, row.meta),
      created_at: nanosecondsValue(at),
      updated_at: nanosecondsValue(at),
    }),
  );
  return row;
}

export interface Page {
  skip: number;
  limit: number;
}

/** The channel's top-level messages, newest first. */
export async function listChannelMessages(db: Db, channelId: string, page: Page): Promise<MessageRow[]> {
  const { message } = db.t;
  return db.read
    .select(columns(db))
    .from(message)
    .where(and(eq(message.channel_id, channelId), isNull(message.parent_id)))
    .orderBy(desc(message.created_at), desc(message.id))
    .offset(page.skip)
    .limit(page.limit);
}

/**
 * A thread's replies, newest first, followed by the thread's first message when the page is not
 * full (the frontend reads the end of the list as the top of the thread). A parent that is not a
 * message of this channel has no thread here.
 */
export async function listThreadMessages(db: Db, channelId: string, parentId: string, page: Page): Promise<MessageRow[]> {
  const parent = await findMessage(db, parentId);
  if (!parent || parent.channel_id !== channelId) return [];
  const { message } = db.t;
  const replies = await db.read
    .select(columns(db))
    .from(message)
    .where(and(eq(message.channel_id, channelId), eq(message.parent_id, parentId)))
    .orderBy(desc(message.created_at), desc(message.id))
    .offset(page.skip)
    .limit(page.limit);
  return replies.length < page.limit ? [...replies, parent] : replies;
}

/** Content replaced; data and meta merged key by key into the stored ones. */
export async function updateMessage(db: Db, id: string, form: MessageForm): Promise<MessageRow | undefined> {
  const { message } = db.t;
  return db.write(async (tx) => {
    const query = tx.select(columns(db)).from(message).where(eq(message.id, id)).limit(1);
    const [row] = db.dialect === "postgres" ? await query.for("update") : await query;
    if (!row) return undefined;
    const next: MessageRow = {
      ...row,
      content: form.content,
      data: { ...(isObject(row.data) ? row.data : {}), ...(form.data ?? {}) },
      meta: { ...(isObject(row.meta) ? row.meta : {}), ...(form.meta ?? {}) },
      updated_at: nowNanoseconds(),
    };
    await tx
      .update(message)
      .set({ content: next.content, data: next.data, meta: next.meta, updated_at: nanosecondsValue(next.updated_at as string) })
      .where(eq(message.id, id));
    return next;
  });
}

/** The message and its reactions; its thread replies stay, as in the reference. */
export async function deleteMessage(db: Db, id: string): Promise<void> {
  const { message, message_reaction } = db.t;
  await db.write(async (tx) => {
    await tx.delete(message).where(eq(message.id, id));
    await tx.delete(message_reaction).where(eq(message_reaction.message_id, id));
  });
}

export async function addReaction(db: Db, messageId: string, userId: string, name: string): Promise<void> {
  const { message_reaction } = db.t;
  const at = nowNanoseconds();
  await db.write((tx) =>
    tx.insert(message_reaction).values({
      id: crypto.randomUUID(),
      user_id: userId,
      message_id: messageId,
      name,
      created_at: nanosecondsValue(at),
    }),
  );
}

export async function removeReaction(db: Db, messageId: string, userId: string, name: string): Promise<void> {
  const { message_reaction } = db.t;
  await db.write((tx) =>
    tx
      .delete(message_reaction)
      .where(and(eq(message_reaction.message_id, messageId), eq(message_reaction.user_id, userId), eq(message_reaction.name, name))),
  );
}

/** Reactions per message, one entry per name in the order the names were first used. */
async function reactionsOf(db: Db, messageIds: string[]): Promise<Map<string, Reactions[]>> {
  const byMessage = new Map<string, Map<string, Reactions>>();
  if (messageIds.length > 0) {
    const { message_reaction: r } = db.t;
    const rows = await db.read
      .select({ message_id: r.message_id, user_id: r.user_id, name: r.name })
      .from(r)
      .where(inArray(r.message_id, messageIds))
      .orderBy(asc(r.created_at), asc(r.id));
    for (const row of rows) {
      const names = byMessage.get(row.message_id) ?? new Map<string, Reactions>();
      byMessage.set(row.message_id, names);
      const entry = names.get(row.name) ?? { name: row.name, user_ids: [], count: 0 };
      names.set(row.name, entry);
      entry.user_ids.push(row.user_id);
      entry.count += 1;
    }
  }
  return new Map([...byMessage].map(([id, names]) => [id, [...names.values()]]));
}

/** Number of thread replies and the time of the newest, per message. */
async function threadStats(db: Db, messageIds: string[]): Promise<Map<string, { count: number; latest: string | null }>> {
  if (messageIds.length === 0) return new Map();
  const { message } = db.t;
  const rows = await db.read
    .select({
      parent_id: message.parent_id,
      count: sql<number>`COUNT(*)`,
      latest: sql<string | null>`CAST(MAX(${message.created_at}) AS TEXT)`,
    })
    .from(message)
    .where(inArray(message.parent_id, messageIds))
    .groupBy(message.parent_id);
  return new Map(rows.map((row) => [row.parent_id as string, { count: Number(row.count), latest: row.latest }]));
}

async function userNames(db: Db, ids: (string | null)[]): Promise<Map<string, UserName>> {
  const wanted = [...new Set(ids.filter((id): id is string => typeof id === "string"))];
  if (wanted.length === 0) return new Map();
  const { user } = db.t;
  const rows = await db.read
    .select({ id: user.id, name: user.name, role: user.role, profile_image_url: user.profile_image_url })
    .from(user)
    .where(inArray(user.id, wanted));
  return new Map(rows.map((row) => [row.id, row as UserName]));
}

/** How a nanosecond timestamp is written: exact in HTTP answers, a plain number in socket events. */
export type TimeFormat = (text: string | null) => unknown;

export function messageModel(row: MessageRow, time: TimeFormat) {
  return {
    id: row.id,
    user_id: row.user_id ?? "",
    channel_id: row.channel_id,
    reply_to_id: row.reply_to_id,
    parent_id: row.parent_id,
    content: row.content ?? "",
    data: isObject(row.data) ? row.data : null,
    meta: isObject(row.meta) ? row.meta : null,
    created_at: time(row.created_at),
    updated_at: time(row.updated_at),
  };
}

/**
 * MessageResponse for each row: its author, the message it replies to (with that one's author),
 * its reactions, and its thread's size unless `inThread` (replies have no threads: 0 and null).
 */
export async function messageResponses(db: Db, rows: MessageRow[], time: TimeFormat, inThread = false) {
  const ids = rows.map((row) => row.id);
  const repliedTo = await findMessages(db, rows.map((row) => row.reply_to_id).filter((id): id is string => !!id));
  const [reactions, stats, users] = await Promise.all([
    reactionsOf(db, ids),
    inThread ? Promise.resolve(new Map<string, { count: number; latest: string | null }>()) : threadStats(db, ids),
    userNames(db, [...rows, ...repliedTo].map((row) => row.user_id)),
  ]);
  const userOf = (row: MessageRow) => (row.user_id && users.get(row.user_id)) || null;
  // A replied-to message shows only when it is in the same channel.
  const replied = new Map(repliedTo.map((row) => [row.id, row]));
  return rows.map((row) => {
    const target = row.reply_to_id ? replied.get(row.reply_to_id) : undefined;
    const thread = stats.get(row.id);
    return {
      ...messageModel(row, time),
      user: userOf(row),
      reply_to_message: target && target.channel_id === row.channel_id ? { ...messageModel(target, time), user: userOf(target) } : null,
      latest_reply_at: thread ? time(thread.latest) : null,
      reply_count: thread?.count ?? 0,
      reactions: reactions.get(row.id) ?? [],
    };
  });
}
