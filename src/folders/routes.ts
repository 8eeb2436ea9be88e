// /api/v1/folders: the 7 routes of Open WebUI's routers/folders.py. Folders belong to the
// caller; the id, owner, parent and timestamps are always set by the server.
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { ERROR_MESSAGES, HttpError } from "../core/errors";
import { mayDeleteChats } from "../chats/access";
import { listGroupsOfMember } from "../groups/repository";
import { isObject, type Json } from "../chats/chat-json";
import { countChatsInFolders } from "../chats/repository";
import type { UserRow } from "../users/repository";
import {
  deleteFolderTree,
  findSiblingByName,
  folderTree,
  getFolder,
  insertFolder,
  listFolders,
  readableFileIds,
  readableKnowledgeIds,
  replaceFolderData,
  setExpanded,
  setParent,
  subtreeIds,
  updateFolder,
  type FolderRow,
} from "./repository";

const exists = () => new HttpError(400, "[ERROR: Folder already exists]");
const missing = () => new HttpError(404, ERROR_MESSAGES.NOT_FOUND);

const optionalObject = t.Optional(t.Nullable(t.Record(t.String(), t.Any())));

/** FolderNameIdResponse: the sidebar's view of a folder. */
function listItem(folder: FolderRow) {
  return {
    id: folder.id,
    name: folder.name,
    meta: folder.meta ? { icon: typeof folder.meta.icon === "string" ? folder.meta.icon : null } : null,
    parent_id: folder.parent_id,
    is_expanded: folder.is_expanded,
    created_at: folder.created_at,
    updated_at: folder.updated_at,
  };
}

/** FolderModel, fields in Open WebUI's order. */
function folderModel(folder: FolderRow) {
  return {
    id: folder.id,
    parent_id: folder.parent_id,
    user_id: folder.user_id,
    name: folder.name,
    items: folder.items,
    meta: folder.meta,
    data: folder.data,
    is_expanded: folder.is_expanded,
    created_at: folder.created_at,
    updated_at: folder.updated_at,
  };
}

export function foldersRoutes(ctx: AppContext) {
  const db = ctx.db;

  /** Drops project files the user can no longer read (deleted, or access withdrawn). */
  async function pruneUnreadableFiles(user: UserRow, folders: FolderRow[]): Promise<void> {
    const withFiles = folders.filter((f) => f.data && Array.isArray(f.data.files));
    if (withFiles.length === 0) return;
    const items = withFiles.flatMap((f) => (f.data!.files as unknown[]).filter(isObject));
    const ids = (type: string) => items.filter((i) => i.type === type && typeof i.id === "string").map((i) => i.id as string);
    const groupIds = (await listGroupsOfMember(db, user.id)).map((g) => g.id);
    const files = await readableFileIds(db, user.id, ids("file"));
    const collections = await readableKnowledgeIds(db, user.id, ids("collection"), groupIds);
    for (const folder of withFiles) {
      const before = folder.data!.files as unknown[];
      const kept = before.filter((item) => {
        if (!isObject(item)) return true;
        if (item.type === "file") return files.has(item.id as string);
        if (item.type === "collection") return collections.has(item.id as string);
        return true;
      });
      if (kept.length === before.length) continue;
      folder.data = { ...folder.data, files: kept };
      await replaceFolderData(db, user.id, folder.id, folder.data as Json);
    }
  }

  return new Elysia({ name: "folders", prefix: "/api/v1/folders" })
    .use(authGuard(ctx))
    .get(
      "/",
      async ({ user }) => {
        const folders = await listFolders(db, user.id);
        await pruneUnreadableFiles(user, folders);
        return folders.map(listItem);
      },
      { auth: "verified" },
    )
    .post(
      "/",
      async ({ user, body }) => {
        if (await findSiblingByName(db, user.id, null, body.name)) throw exists();
        return folderModel(await insertFolder(db, user.id, { name: body.name, data: body.data, meta: body.meta }));
      },
      { auth: "verified", body: t.Object({ name: t.String(), data: optionalObject, meta: optionalObject }) },
    )
    .get(
      "/:id",
      async ({ user, params }) => {
        const folder = await getFolder(db, user.id, params.id);
        if (!folder) throw missing();
        return folderModel(folder);
      },
      { auth: "verified" },
    )
    .post(
      "/:id/update",
      async ({ user, params, body }) => {
        const folder = await getFolder(db, user.id, params.id);
        if (!folder) throw missing();
        if (typeof body.name === "string") {
          const clash = await findSiblingByName(db, user.id, folder.parent_id, body.name);
          if (clash && clash.id !== folder.id) throw exists();
        }
        const updated = await updateFolder(db, user.id, params.id, {
          name: body.name ?? undefined,
          data: body.data ?? undefined,
          meta: body.meta ?? undefined,
        });
        if (!updated) throw missing();
        return folderModel(updated);
      },
      {
        auth: "verified",
        body: t.Object({ name: t.Optional(t.Nullable(t.String())), data: optionalObject, meta: optionalObject }),
      },
    )
    .post(
      "/:id/update/parent",
      async ({ user, params, body }) => {
        const folder = await getFolder(db, user.id, params.id);
        if (!folder) throw missing();
        const parentId = body.parent_id ?? null;
        if (parentId !== null) {
          const tree = await folderTree(db, user.id);
          if (!tree.some((f) => f.id === parentId)) throw missing();
          if (subtreeIds(tree, folder.id).includes(parentId)) {
            throw new HttpError(400, "[ERROR: A folder cannot be moved into itself or one of its subfolders]");
          }
        }
        if (await findSiblingByName(db, user.id, parentId, folder.name)) throw exists();
        const updated = await setParent(db, user.id, params.id, parentId);
        if (!updated) throw missing();
        return folderModel(updated);
      },
      { auth: "verified", body: t.Object({ parent_id: t.Optional(t.Nullable(t.String())) }) },
    )
    .post(
      "/:id/update/expanded",
      async ({ user, params, body }) => {
        const updated = await setExpanded(db, user.id, params.id, body.is_expanded);
        if (!updated) throw missing();
        return folderModel(updated);
      },
      { auth: "verified", body: t.Object({ is_expanded: t.Boolean() }) },
    )
    .delete(
      "/:id",
      async ({ user, params }) => {
        const tree = await folderTree(db, user.id);
        if (tree.some((f) => f.id === params.id)) {
          const ids = subtreeIds(tree, params.id);
          if ((await countChatsInFolders(db, user.id, ids)) > 0 && !(await mayDeleteChats(ctx, user))) {
            throw new HttpError(403, ERROR_MESSAGES.ACCESS_PROHIBITED);
          }
        }
        if (!(await deleteFolderTree(db, user.id, params.id))) throw missing();
        return true;
      },
      { auth: "verified" },
    );
}
