// Who may read or write a collection by name. Open WebUI lets any verified user query or fill
// any collection; here `file-<id>` follows the file's access, a knowledge base id follows the
// knowledge base, `user-memory-<id>` belongs to that user, and other names (content hashes of
// web pages and pasted text) stay open as before.
import type { AppContext } from "../context";
import { findAccessibleFile } from "../files/access";
import { findFile } from "../files/repository";
import { canAccess, loadCaller, type AccessType, type Caller } from "../knowledge/access";
import { findKnowledge } from "../knowledge/repository";
import type { UserRow } from "../users/repository";

export async function canUseCollection(
  ctx: AppContext,
  user: Pick<UserRow, "id" | "role">,
  name: string,
  type: AccessType,
  caller?: Caller,
): Promise<boolean> {
  if (user.role === "admin") return true;
  const memory = /^user-memory-(.+)$/.exec(name);
  if (memory) return memory[1] === user.id;
  const fileId = name.startsWith("file-") ? name.slice(5) : null;
  if (fileId !== null && (await findFile(ctx.db, fileId))) {
    return (await findAccessibleFile(ctx.db, fileId, user, type, caller)) !== null;
  }
  const knowledge = await findKnowledge(ctx.db, name);
  if (knowledge) return canAccess(caller ?? (await loadCaller(ctx.db, user)), knowledge, type);
  // Legacy items name a file by its bare id.
  if (await findFile(ctx.db, name)) return (await findAccessibleFile(ctx.db, name, user, type, caller)) !== null;
  return true;
}

/** The names the caller may use, in order. */
export async function usableCollections(ctx: AppContext, user: UserRow, names: string[], type: AccessType): Promise<string[]> {
  const caller = await loadCaller(ctx.db, user);
  const out: string[] = [];
  for (const name of names) if (name && (await canUseCollection(ctx, user, name, type, caller))) out.push(name);
  return out;
}
