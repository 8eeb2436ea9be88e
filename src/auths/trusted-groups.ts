// WEBUI_AUTH_TRUSTED_GROUPS_HEADER: a non-admin's group memberships follow the comma-separated
// group names the proxy sends (joined where listed, left where not).
import type { AppContext } from "../context";
import { listGroups, memberIds, updateGroup } from "../groups/repository";
import type { UserRow } from "../users/repository";

export async function syncTrustedGroups(ctx: AppContext, user: UserRow, request: Request): Promise<void> {
  const header = ctx.env.raw.WEBUI_AUTH_TRUSTED_GROUPS_HEADER;
  if (!header || user.role === "admin") return;
  const names = new Set(
    (request.headers.get(header) ?? "")
      .split(",")
      .map((n) => n.trim())
      .filter(Boolean),
  );
  if (names.size === 0) return;
  for (const group of await listGroups(ctx.db)) {
    const members = memberIds(group);
    const listed = names.has(group.name ?? "");
    const member = members.includes(user.id);
    if (listed === member) continue;
    await updateGroup(ctx.db, group.id, (row) => ({
      user_ids: listed ? [...memberIds(row), user.id] : memberIds(row).filter((id) => id !== user.id),
    }));
  }
}
