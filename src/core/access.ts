// Open WebUI's access_control JSON on models, knowledge, prompts, tools, notes, channels, files:
//   null (or JSON null)  public: every verified user may read; only the owner (or an admin) writes
//   {}                   private: the owner only
//   {read: {group_ids, user_ids}, write: {group_ids, user_ids}}   those users and groups
// Owners are let through by callers; "write" does not imply "read" here, as in the reference.
import { sql, type AnyColumn, type SQL } from "drizzle-orm";
import type { Db } from "../db/client";
import { listGroupsOfMember } from "../groups/repository";
import type { PermissionTree } from "./permissions";

export type AccessType = "read" | "write";

export function hasAccess(
  userId: string,
  userGroupIds: Iterable<string>,
  type: AccessType,
  accessControl: unknown,
  strict = true,
): boolean {
  if (accessControl === null || accessControl === undefined) return strict ? type === "read" : true;
  if (typeof accessControl !== "object" || Array.isArray(accessControl)) return false;
  const rule = (accessControl as Record<string, unknown>)[type];
  if (typeof rule !== "object" || rule === null) return false;
  const { user_ids: userIds, group_ids: groupIds } = rule as { user_ids?: unknown; group_ids?: unknown };
  if (Array.isArray(userIds) && userIds.includes(userId)) return true;
  if (!Array.isArray(groupIds)) return false;
  for (const groupId of userGroupIds) if (groupIds.includes(groupId)) return true;
  return false;
}

export interface GroupMembership {
  id: string;
  permissions: unknown;
}

/** The groups a user belongs to (their `user_ids` hold the user's id). */
export async function groupsOf(db: Db, userId: string): Promise<GroupMembership[]> {
  return (await listGroupsOfMember(db, userId)).map((g) => ({ id: g.id, permissions: g.permissions }));
}

export async function groupIdsOf(db: Db, userId: string): Promise<string[]> {
  return (await groupsOf(db, userId)).map((g) => g.id);
}

/**
 * The `hasAccess` rule as an SQL condition on an access_control column, so owner-scoped queries
 * carry it in their WHERE clause. Malformed JSON grants nothing and never raises.
 */
export function accessGranted(
  db: Db,
  column: AnyColumn,
  type: AccessType,
  userId: string,
  groupIds: readonly string[],
): SQL {
  const ids = (list: readonly string[]) => sql.join(list.map((id) => sql`${id}`), sql`, `);
  if (db.dialect === "sqlite") {
    const isPublic = sql`(${column} IS NULL OR ${column} = 'null')`;
    const inUsers = sql`EXISTS (SELECT 1 FROM json_each(${column}, ${`$.${type}.user_ids`}) WHERE value = ${userId})`;
    const inGroups =
      groupIds.length === 0
        ? sql`0`
        : sql`EXISTS (SELECT 1 FROM json_each(${column}, ${`$.${type}.group_ids`}) WHERE value IN (${ids(groupIds)}))`;
    const granted = sql`(CASE WHEN json_valid(${column}) THEN (${inUsers} OR ${inGroups}) ELSE 0 END)`;
    return type === "read" ? sql`(${isPublic} OR ${granted})` : sql`(NOT ${isPublic} AND ${granted})`;
  }
  const isPublic = sql`(${column} IS NULL OR json_typeof(${column}) = 'null')`;
  const users = sql`(${column}::jsonb #> ${`{${type},user_ids}`}::text[])`;
  const groups = sql`(${column}::jsonb #> ${`{${type},group_ids}`}::text[])`;
  const inUsers = sql`coalesce(${users} @> to_jsonb(${userId}::text), false)`;
  const inGroups =
    groupIds.length === 0 ? sql`false` : sql`coalesce(jsonb_exists_any(${groups}, ARRAY[${ids(groupIds)}]::text[]), false)`;
  return type === "read"
    ? sql`(${isPublic} OR ${inUsers} OR ${inGroups})`
    : sql`(NOT ${isPublic} AND (${inUsers} OR ${inGroups}))`;
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
