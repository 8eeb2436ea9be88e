// Open WebUI's access_control JSON on models, knowledge, prompts, tools, notes, channels, files:
//   null (or JSON null)  public: every verified user may read; only the owner (or an admin) writes
//   {}                   private: the owner only
//   {read: {group_ids, user_ids}, write: {group_ids, user_ids}}   those users and groups
// Owners are let through by callers; "write" does not imply "read" here, as in the reference.

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
