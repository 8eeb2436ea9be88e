// Group membership by group names, for identity providers that send them (a trusted proxy's
// header, LDAP's memberOf): the user joins the listed groups and leaves the others.
import type { AppContext } from "../context";
import { insertGroup, listGroups, memberIds, updateGroup } from "./repository";

export async function syncGroupsByNames(ctx: AppContext, userId: string, names: string[]): Promise<void> {
  const wanted = new Set(names.map((n) => n.trim()).filter(Boolean));
  for (const group of await listGroups(ctx.db)) {
    const listed = wanted.has(group.name ?? "");
    if (listed === memberIds(group).includes(userId)) continue;
    await updateGroup(ctx.db, group.id, (row) => ({
      user_ids: listed ? [...memberIds(row), userId] : memberIds(row).filter((id) => id !== userId),
    }));
  }
  ctx.auth.forget(userId);
}

/** Creates the named groups that do not exist yet, owned by `ownerId`. */
export async function createMissingGroups(ctx: AppContext, ownerId: string, names: string[]): Promise<void> {
  const existing = new Set((await listGroups(ctx.db)).map((g) => g.name));
  for (const name of new Set(names)) {
    if (name && !existing.has(name)) await insertGroup(ctx.db, ownerId, { name, description: `Provided by LDAP: ${name}` });
  }
}
