// The caller of a workspace route (prompts, tools, notes, channels …) with the groups it belongs
// to, and the checks Open WebUI makes on items carrying an access_control: owner, grant, admin
// bypass, and permissions from the USER_PERMISSIONS tree merged with the caller's groups.
import { inArray, sql, type AnyColumn, type SQL } from "drizzle-orm";
import { t, type Static } from "elysia";
import type { AppContext } from "../context";
import type { Db } from "../db/client";
import { listGroupsOfMember } from "../groups/repository";
import type { UserRow } from "../users/repository";
import { hasAccess, type AccessType } from "./access";
import { defaultPermissions, mergePermissions, type PermissionTree } from "./permissions";

export interface Caller {
  id: string;
  role: string;
  groupIds: string[];
  /** Defaults OR'ed with every group's permissions. */
  permissions: PermissionTree;
}

export interface ControlledItem {
  user_id: string | null;
  access_control: unknown;
}

export async function callerOf(ctx: Pick<AppContext, "db" | "config" | "env">, user: UserRow): Promise<Caller> {
  const groups = await listGroupsOfMember(ctx.db, user.id);
  return {
    id: user.id,
    role: user.role,
    groupIds: groups.map((g) => g.id),
    // has_permission fills keys the stored defaults lack from the environment's defaults.
    permissions: mergePermissions(
      ctx.config.get("USER_PERMISSIONS"),
      groups.map((g) => g.permissions),
      defaultPermissions(ctx.env.raw),
    ),
  };
}

/** has_permission: a dotted key ("workspace.prompts") of the merged tree; admins are let through by callers. */
export function permitted(caller: Caller, key: string): boolean {
  let node: unknown = caller.permissions;
  for (const part of key.split(".")) {
    if (typeof node !== "object" || node === null) return false;
    node = (node as Record<string, unknown>)[part];
  }
  return Boolean(node);
}

/** BYPASS_ADMIN_ACCESS_CONTROL (default: ENABLE_ADMIN_WORKSPACE_CONTENT_ACCESS, itself true). */
export function adminBypassEnabled(ctx: Pick<AppContext, "env">): boolean {
  const raw = ctx.env.raw;
  const value = raw.BYPASS_ADMIN_ACCESS_CONTROL ?? raw.ENABLE_ADMIN_WORKSPACE_CONTENT_ACCESS ?? "True";
  return value.toLowerCase() === "true";
}

/** `item.user_id == user.id or has_access(user.id, type, item.access_control)`. */
export function ownsOrGranted(caller: Caller, item: ControlledItem, type: AccessType, strict = true): boolean {
  return item.user_id === caller.id || hasAccess(caller.id, caller.groupIds, type, normalizeAccessControl(item.access_control), strict);
}

/** SQL NULL and JSON null both mean "public". */
export function normalizeAccessControl(value: unknown): unknown {
  return value === undefined ? null : value;
}

/**
 * A WHERE condition that keeps every row the caller might reach: its own, public ones (for
 * reads), and those whose access_control mentions the caller's id or one of its groups. It only
 * narrows; `ownsOrGranted` decides exactly.
 */
export function mayReach(owner: AnyColumn, accessControl: AnyColumn, caller: Caller, type: AccessType): SQL {
  const text = sql`CAST(${accessControl} AS TEXT)`;
  const mentions = [caller.id, ...caller.groupIds].map(
    (id) => sql`${text} LIKE ${`%${JSON.stringify(id).replace(/[\\%_]/g, (c) => `\\${c}`)}%`} ESCAPE '\\'`,
  );
  const conditions = [sql`${owner} = ${caller.id}`, ...mentions];
  if (type === "read") conditions.push(sql`${accessControl} IS NULL`, sql`${text} = 'null'`);
  return sql`(${sql.join(conditions, sql` OR `)})`;
}

/** An access_control in a request body: null (public), {} (private) or read/write grants. */
const Grant = t.Object({
  group_ids: t.Optional(t.Array(t.String())),
  user_ids: t.Optional(t.Array(t.String())),
});
export const AccessControlBody = t.Nullable(t.Object({ read: t.Optional(Grant), write: t.Optional(Grant) }));
export type AccessControl = Static<typeof AccessControlBody>;

/** The stored access_control as the API shows it: an object, or null. */
export function accessControlView(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** UserResponse ({id, name, email, role, profile_image_url}) of each owner that still exists. */
export async function ownersById(db: Db, ids: Iterable<string | null>): Promise<Map<string, OwnerView>> {
  const wanted = [...new Set([...ids].filter((id): id is string => typeof id === "string"))];
  if (wanted.length === 0) return new Map();
  const { user } = db.t;
  const rows = await db.read
    .select({ id: user.id, name: user.name, email: user.email, role: user.role, profile_image_url: user.profile_image_url })
    .from(user)
    .where(inArray(user.id, wanted));
  return new Map(rows.map((row) => [row.id, row]));
}

export interface OwnerView {
  id: string;
  name: string;
  email: string;
  role: string;
  profile_image_url: string;
}
