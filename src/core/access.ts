// Open WebUI's access_control JSON and group membership, shared by every area that stores it
// (models, knowledge, prompts, tools, notes, channels, files).
//
// access_control: null (or JSON null) = public: everyone may read, only the owner (and admins)
// may write; {} = private; otherwise {"read": {"group_ids": [...], "user_ids": [...]},
// "write": {...}}. A user belongs to a group when its id is in the group's `user_ids` array.
import { like, sql, type SQL } from "drizzle-orm";
import type { AnyColumn } from "drizzle-orm";
import type { Db } from "../db/client";
import { mergePermissions, type PermissionTree } from "./permissions";

export type AccessType = "read" | "write";

export interface GroupMembership {
  id: string;
  permissions: unknown;
}

/** Groups whose `user_ids` contain the user (LIKE narrows in SQL, the exact check runs here). */
export async function groupsOf(db: Db, userId: string): Promise<GroupMembership[]> {
  const { group } = db.t;
  const rows = await db.read
    .select({ id: group.id, permissions: group.permissions, user_ids: group.user_ids })
    .from(group)
    .where(like(sql`CAST(${group.user_ids} AS TEXT)`, `%${JSON.stringify(userId)}%`));
  return rows
    .filter((row) => Array.isArray(row.user_ids) && row.user_ids.includes(userId))
    .map(({ id, permissions }) => ({ id, permissions }));
}

export async function groupIdsOf(db: Db, userId: string): Promise<string[]> {
  return (await groupsOf(db, userId)).map((g) => g.id);
}

/** has_access of the reference (strict mode): the in-memory form of `accessGranted`. */
export function hasAccess(
  userId: string,
  type: AccessType,
  accessControl: unknown,
  groupIds: readonly string[],
): boolean {
  if (accessControl === null || accessControl === undefined) return type === "read";
  if (typeof accessControl !== "object" || Array.isArray(accessControl)) return false;
  const grant = (accessControl as Record<string, unknown>)[type];
  if (typeof grant !== "object" || grant === null) return false;
  const { user_ids: users, group_ids: groups } = grant as Record<string, unknown>;
  if (Array.isArray(users) && users.includes(userId)) return true;
  return Array.isArray(groups) && groups.some((id) => groupIds.includes(id as string));
}

/**
 * The same rule as an SQL condition on an access_control column, so owner-scoped queries can
 * carry it in the WHERE clause. Malformed JSON values grant nothing and never raise.
 */
export function accessGranted(
  db: Db,
  column: AnyColumn,
  type: AccessType,
  userId: string,
  groupIds: readonly string[],
): SQL {
  const isPublic =
    db.dialect === "sqlite"
      ? sql`(${column} IS NULL OR ${column} = 'null')`
      : sql`(${column} IS NULL OR json_typeof(${column}) = 'null')`;
  const path = `$.${type}`;
  if (db.dialect === "sqlite") {
    const inUsers = sql`EXISTS (SELECT 1 FROM json_each(${column}, ${`${path}.user_ids`}) WHERE value = ${userId})`;
    const inGroups =
      groupIds.length === 0
        ? sql`0`
        : sql`EXISTS (SELECT 1 FROM json_each(${column}, ${`${path}.group_ids`}) WHERE value IN (${sql.join(
            groupIds.map((id) => sql`${id}`),
            sql`, `,
          )}))`;
    const granted = sql`(CASE WHEN json_valid(${column}) THEN (${inUsers} OR ${inGroups}) ELSE 0 END)`;
    return type === "read" ? sql`(${isPublic} OR ${granted})` : sql`(NOT ${isPublic} AND ${granted})`;
  }
  const list = sql`(${column}::jsonb #> ${`{${type},user_ids}`}::text[])`;
  const groups = sql`(${column}::jsonb #> ${`{${type},group_ids}`}::text[])`;
  const inUsers = sql`coalesce(${list} @> to_jsonb(${userId}::text), false)`;
  const inGroups =
    groupIds.length === 0
      ? sql`false`
      : sql`coalesce(jsonb_exists_any(${groups}, ARRAY[${sql.join(
          groupIds.map((id) => sql`${id}`),
          sql`, `,
        )}]::text[]), false)`;
  return type === "read"
    ? sql`(${isPublic} OR ${inUsers} OR ${inGroups})`
    : sql`(NOT ${isPublic} AND (${inUsers} OR ${inGroups}))`;
}

/** A user's effective permissions: the defaults OR every group's (get_permissions). */
export function effectivePermissions(defaults: PermissionTree, groups: GroupMembership[]): PermissionTree {
  return mergePermissions(
    defaults,
    groups.map((g) => g.permissions),
  );
}

/** has_permission("workspace.models", …): any group granting it, else the defaults. */
export function hasPermission(defaults: PermissionTree, groups: GroupMembership[], key: string): boolean {
  const path = key.split(".");
  const lookup = (tree: unknown): boolean => {
    let node = tree;
    for (const part of path) {
      if (typeof node !== "object" || node === null) return false;
      node = (node as Record<string, unknown>)[part];
    }
    return Boolean(node);
  };
  return groups.some((g) => lookup(g.permissions)) || lookup(defaults);
}
