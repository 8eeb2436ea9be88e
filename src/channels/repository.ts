// The `channel` table (read side). Timestamps are epoch nanoseconds, read as exact text.
import { asc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { hasAccess } from "../core/access";
import { mayReach, normalizeAccessControl, ownsOrGranted, type Caller } from "../core/caller";
import { nanosecondsText } from "../core/nanoseconds";

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

async function findChannel(db: Db, id: string): Promise<ChannelRow | undefined> {
  const { channel } = db.t;
  const [row] = await db.read.select(columns(db)).from(channel).where(eq(channel.id, id)).limit(1);
  return row;
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
  const accessControl = normalizeAccessControl(row.access_control);
  const admin = caller.role === "admin";
  if (!admin && !hasAccess(caller.id, caller.groupIds, "read", accessControl)) return "forbidden";
  return { row, writable: admin || hasAccess(caller.id, caller.groupIds, "write", accessControl, false) };
}
