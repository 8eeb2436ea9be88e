// Who may see a file: its owner, an admin, or anyone who can read (or, for changes, write) a
// knowledge base holding it — the one named by `meta.collection_name`, as in Open WebUI, or
// any knowledge base listing it in `data.file_ids`.
import type { Db } from "../db/client";
import { canAccess, loadCaller, type AccessType, type Caller } from "../knowledge/access";
import { findKnowledge, knowledgeContaining } from "../knowledge/repository";
import type { UserRow } from "../users/repository";
import { findFile, type FileModel } from "./repository";

export async function findAccessibleFile(
  db: Db,
  id: string,
  user: Pick<UserRow, "id" | "role">,
  type: AccessType,
  caller?: Caller,
): Promise<FileModel | null> {
  const file = await findFile(db, id);
  if (!file) return null;
  if (file.user_id === user.id || user.role === "admin") return file;
  return (await reachableThroughKnowledge(db, file, caller ?? (await loadCaller(db, user)), type)) ? file : null;
}

async function reachableThroughKnowledge(db: Db, file: FileModel, caller: Caller, type: AccessType): Promise<boolean> {
  const named = typeof file.meta?.collection_name === "string" ? await findKnowledge(db, file.meta.collection_name) : null;
  if (named && canAccess(caller, named, type)) return true;
  for (const knowledge of await knowledgeContaining(db, file.id)) if (canAccess(caller, knowledge, type)) return true;
  return false;
}
