// The `channel` table. Timestamps are epoch nanoseconds, read and written as exact text.
import { asc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { storedJson, workspaceItemValues } from "../db/json";
import { hasAccess } from "../core/access";
import { mayReach, normalizeAccessControl, ownsOrGranted, type Caller } from "../core/caller";
import { nanosecondsText, nanosecondsValue, nowNanoseconds } from "../core/nanoseconds";

export interface ChannelRow {
  id: string;
  user_id: string | null;
  type: string | null;
  name: string | null;
  description: string | null;
  data: unknown;
  meta: unknown;
  access_control: unknown;
  created_at: string | null;
  updated_at: string | null;
}

const columns = (db: Db) => {
  const { channel } = db.t;
  return {
    id: channel.id,
    user_id: channel.user_id,
    type: channel.type,
    name: channel.name,
    description: channel.description,
    data: channel.data,
    meta: channel.meta,
    access_control: channel.access_control,
    created_at: nanosecondsText(channel.created_at),
    updated_at: nanosecondsText(channel.updated_at),
  };
};

export async function listAllChannels(db: Db): Promise<ChannelRow[]> {
  const { channel } = db.t;
  return db.read.select(columns(db)).from(channel).orderBy(asc(channel.created_at), asc(channel.id));
}

/** Channels the caller owns or may read (a public channel is readable by all). */
export async function listChannelsFor(db: Db, caller: Caller): Promise<ChannelRow[]> {
  const { channel } = db.t;
  const rows = await db.read
    .select(columns(db))
    .from(channel)
    .where(mayReach(channel.user_id, channel.access_control, caller, "read"))
    .orderBy(asc(channel.created_at), asc(channel.id));
  return rows.filter((row) => ownsOrGranted(caller, row, "read"));
}

export async function findChannel(db: Db, id: string): Promise<ChannelRow | undefined> {
  const { channel } = db.t;
  const [row] = await db.read.select(columns(db)).from(channel).where(eq(channel.id, id)).limit(1);
  return row;
}

/** What the caller may do in the channel: read it (has_access strict) and post (non-strict), or both for admins. */
export function channelGrants(caller: Caller, row: ChannelRow): { readable: boolean; writable: boolean } {
  if (caller.role === "admin") return { readable: true, writable: true };
  const accessControl = normalizeAccessControl(row.access_control);
  return {
    readable: hasAccess(caller.id, caller.groupIds, "read", accessControl),
    writable: hasAccess(caller.id, caller.groupIds, "write", accessControl, false),
  };
}

/**
 * The channel with whether the caller may post in it. As the reference, the grant alone decides
 * (no owner shortcut), admins pass, and a public channel is open to everyone for writing too.
 */
export async function readChannel(
  db: Db,
  caller: Caller,
  id: string,
): Promise<{ row: ChannelRow; writable: boolean } | "not_found" | "forbidden"> {
  const row = await findChannel(db, id);
  if (!row) return "not_found";
  const { readable, writable } = channelGrants(caller, row);
  return readable ? { row, writable } : "forbidden";
}

type JsonObject = Record<string, unknown>;

export interface ChannelForm {
  name: string;
  description?: string | null;
  data?: JsonObject | null;
  meta?: JsonObject | null;
  access_control?: unknown;
}

/** None in a JSON column is the JSON literal null, as Python stores it. */

/** A new channel: the name lowercased, no type, public when no access_control is given. */
export async function insertChannel(db: Db, ownerId: string, form: ChannelForm): Promise<ChannelRow> {
  const { channel } = db.t;
  const at = nowNanoseconds();
  const row: ChannelRow = {
    id: crypto.randomUUID(),
    user_id: ownerId,
    type: null,
    name: form.name.toLowerCase(),
    description: form.description ?? null,
    data: form.data ?? null,
    meta: form.meta ?? null,
    access_control: form.access_control ?? null,
    created_at: at,
    updated_at: at,
  };
  await db.write((tx) => tx.insert(channel).values(workspaceItemValues(db, row)));
  return row;
}

/**
 * As the reference: name, data, meta and access_control are replaced by the form's (an absent one
 * becomes null, so public); the name is kept as given and the description is left as it was.
 */
export async function updateChannel(db: Db, id: string, form: ChannelForm): Promise<ChannelRow | undefined> {
  const { channel } = db.t;
  return db.write(async (tx) => {
    const [row] = await tx.select(columns(db)).from(channel).where(eq(channel.id, id)).limit(1);
    if (!row) return undefined;
    const next: ChannelRow = {
      ...row,
      name: form.name,
      data: form.data ?? null,
      meta: form.meta ?? null,
      access_control: form.access_control ?? null,
      updated_at: nowNanoseconds(),
    };
    await tx
      .update(channel)
      .set({
        name: next.name,
        data: storedJson(db, next.data),
        meta: storedJson(db, next.meta),
        access_control: storedJson(db, next.access_control),
        updated_at: nanosecondsValue(next.updated_at as string),
      })
      .where(eq(channel.id, id));
    return next;
  });
}

/** Removes the channel only; its messages stay in the table, as in the reference. */
export async function deleteChannel(db: Db, id: string): Promise<boolean> {
  const { channel } = db.t;
  return db.write(async (tx) => {
    const deleted = await tx.delete(channel).where(eq(channel.id, id)).returning({ id: channel.id });
    return deleted.length > 0;
  });
}
