// WEBUI_AUTH_TRUSTED_GROUPS_HEADER: a non-admin's groups follow the comma-separated names the
// trusted proxy sends.
import type { AppContext } from "../context";
import { syncGroupsByNames } from "../groups/membership";
import type { UserRow } from "../users/repository";

export async function syncTrustedGroups(ctx: AppContext, user: UserRow, request: Request): Promise<void> {
  const header = ctx.env.raw.WEBUI_AUTH_TRUSTED_GROUPS_HEADER;
  if (!header || user.role === "admin") return;
  const names = (request.headers.get(header) ?? "").split(",").filter((n) => n.trim());
  if (names.length > 0) await syncGroupsByNames(ctx, user.id, names);
}
