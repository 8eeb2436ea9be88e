// Who may do what with chats: the USER_PERMISSIONS tree merged with the caller's groups (as
// utils/access_control.py has_permission does), and the two environment switches that let
// admins into other users' chats.
import type { AppContext } from "../context";
import { listGroupsOfMember } from "../groups/repository";
import { parseBool } from "../core/env";
import { defaultPermissions } from "../core/permissions";
import type { UserRow } from "../users/repository";
import { isObject } from "./chat-json";

export interface AdminSwitches {
  /** ENABLE_ADMIN_CHAT_ACCESS: admins may read, change and delete other users' chats. */
  chatAccess: boolean;
  /** ENABLE_ADMIN_EXPORT: admins may export every chat in the database. */
  export: boolean;
}

export function readAdminSwitches(ctx: Pick<AppContext, "env">): AdminSwitches {
  return {
    chatAccess: parseBool(ctx.env.raw, "ENABLE_ADMIN_CHAT_ACCESS", true),
    export: parseBool(ctx.env.raw, "ENABLE_ADMIN_EXPORT", true),
  };
}

/** has_permission: any group granting `key` wins, otherwise the configured default decides. */
export async function hasPermission(ctx: Pick<AppContext, "db" | "config" | "env">, userId: string, key: string): Promise<boolean> {
  const path = key.split(".");
  const lookup = (tree: unknown): boolean => {
    let node = tree;
    for (const part of path) {
      if (!isObject(node) || !(part in node)) return false;
      node = node[part];
    }
    return Boolean(node);
  };
  for (const group of await listGroupsOfMember(ctx.db, userId)) if (lookup(group.permissions)) return true;
  const configured = ctx.config.get("USER_PERMISSIONS") as unknown;
  const defaults = defaultPermissions(ctx.env.raw);
  return lookup(fillMissing(isObject(configured) ? configured : {}, defaults));
}

function fillMissing(tree: Record<string, unknown>, defaults: Record<string, unknown>): Record<string, unknown> {
  const filled: Record<string, unknown> = { ...tree };
  for (const [key, value] of Object.entries(defaults)) {
    if (!(key in filled)) filled[key] = value;
    else if (isObject(value) && isObject(filled[key])) filled[key] = fillMissing(filled[key] as Record<string, unknown>, value);
  }
  return filled;
}

/** A role-`user` caller needs `chat.delete`; admins always may delete their own chats. */
export async function mayDeleteChats(ctx: Pick<AppContext, "db" | "config" | "env">, user: UserRow): Promise<boolean> {
  return user.role !== "user" || (await hasPermission(ctx, user.id, "chat.delete"));
}
