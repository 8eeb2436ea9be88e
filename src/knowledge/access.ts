// Access control of shared objects (utils/access_control.py): `null` is public for reading,
// `{}` private, otherwise read/write grants by user id or group id. Group membership comes
// from `group.user_ids`; permissions are the OR of the defaults and every group.
import type { AppContext } from "../context";
import type { Db } from "../db/client";
import { parseBool } from "../core/env";
import { mergePermissions } from "../core/permissions";
import type { UserRow } from "../users/repository";

export type AccessType = "read" | "write";

export interface Caller {
  id: string;
  role: string;
  groupIds: Set<string>;
  groupPermissions: unknown[];
}

export async function loadCaller(db: Db, user: Pick<UserRow, "id" | "role">): Promise<Caller> {
  const { group } = db.t;
  const rows = await db.read.select({ id: group.id, user_ids: group.user_ids, permissions: group.permissions }).from(group);
  const mine = rows.filter((g) => Array.isArray(g.user_ids) && (g.user_ids as unknown[]).includes(user.id));
  return {
    id: user.id,
    role: user.role,
    groupIds: new Set(mine.map((g) => g.id)),
    groupPermissions: mine.map((g) => g.permissions),
  };
}

export function hasAccess(caller: Caller, type: AccessType, accessControl: unknown): boolean {
  if (accessControl === null || accessControl === undefined) return type === "read";
  if (typeof accessControl !== "object" || Array.isArray(accessControl)) return false;
  const grant = (accessControl as Record<string, unknown>)[type];
  if (typeof grant !== "object" || grant === null) return false;
  const { user_ids: userIds, group_ids: groupIds } = grant as { user_ids?: unknown; group_ids?: unknown };
  if (Array.isArray(userIds) && userIds.includes(caller.id)) return true;
  return Array.isArray(groupIds) && groupIds.some((id) => typeof id === "string" && caller.groupIds.has(id));
}

/** Owner, admin, or a grant of that kind. */
export function canAccess(caller: Caller, owner: { user_id: string; access_control: unknown }, type: AccessType): boolean {
  return caller.role === "admin" || owner.user_id === caller.id || hasAccess(caller, type, owner.access_control);
}

/** has_permission: a dotted key granted by any group, else the configured default. */
export function hasPermission(ctx: AppContext, caller: Caller, key: string): boolean {
  const tree = mergePermissions(ctx.config.get("USER_PERMISSIONS"), caller.groupPermissions);
  const [section, leaf] = key.split(".") as [string, string];
  return Boolean(tree[section]?.[leaf]);
}

/** BYPASS_ADMIN_ACCESS_CONTROL (defaults to ENABLE_ADMIN_WORKSPACE_CONTENT_ACCESS): admins list everything. */
export function adminSeesAll(ctx: AppContext): boolean {
  const raw = ctx.env.raw;
  const fallback = parseBool(raw, "ENABLE_ADMIN_WORKSPACE_CONTENT_ACCESS", true);
  return parseBool(raw, "BYPASS_ADMIN_ACCESS_CONTROL", fallback);
}
