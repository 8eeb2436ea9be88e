// /api/v1/knowledge — the twelve routes of Open WebUI's routers/knowledge.py, with its unusual
// status codes (most failures 400, GET of a missing id 401).
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { defaultError, ERROR_MESSAGES, HttpError } from "../core/errors";
import { findAccessibleFile } from "../files/access";
import { deleteFileEverywhere } from "../files/routes";
import { existingFileIds, fileMetadatas, findFile, type JsonObject } from "../files/repository";
import { errorMessage, processFile } from "../retrieval/ingest";
import { retrieval } from "../retrieval/services";
import type { UserRow } from "../users/repository";
import { adminSeesAll, canAccess, hasAccess, hasPermission, loadCaller, type Caller } from "./access";
import { addFilesInBatch } from "./batch";
import { removeFromModels } from "./models";
import {
  deleteKnowledge,
  editFileIds,
  fileIdsOf,
  findKnowledge,
  insertKnowledge,
  listKnowledge,
  updateKnowledge,
  userBriefs,
  type KnowledgeModel,
} from "./repository";

const KnowledgeForm = t.Object({
  name: t.String(),
  description: t.String(),
  data: t.Optional(t.Nullable(t.Record(t.String(), t.Any()))),
  access_control: t.Optional(t.Nullable(t.Record(t.String(), t.Any()))),
});

const FileIdForm = t.Object({ file_id: t.String() });

export function knowledgeRoutes(ctx: AppContext) {
  /** The knowledge base if the caller may change it; 400 NOT_FOUND / ACCESS_PROHIBITED otherwise. */
  const writable = async (id: string, user: UserRow) => {
    const knowledge = await findKnowledge(ctx.db, id);
    if (!knowledge) throw new HttpError(400, ERROR_MESSAGES.NOT_FOUND);
    const caller = await loadCaller(ctx.db, user);
    if (!canAccess(caller, knowledge, "write")) throw new HttpError(400, ERROR_MESSAGES.ACCESS_PROHIBITED);
    return { knowledge, caller };
  };

  const withFiles = async (knowledge: KnowledgeModel) => ({ ...knowledge, files: await fileMetadatas(ctx.db, fileIdsOf(knowledge)) });

  return new Elysia({ name: "knowledge", prefix: "/api/v1/knowledge" })
    .use(authGuard(ctx))
    .get("/", ({ user }) => listWithFiles(ctx, user, "read"), { auth: "verified" })
    .get("/list", ({ user }) => listWithFiles(ctx, user, "write"), { auth: "verified" })
    .post(
      "/create",
      async ({ user, body }) => {
        const caller = await loadCaller(ctx.db, user);
        if (user.role !== "admin" && !hasPermission(ctx, caller, "workspace.knowledge")) {
          throw new HttpError(401, ERROR_MESSAGES.UNAUTHORIZED);
        }
        const knowledge = await insertKnowledge(ctx.db, user.id, {
          name: body.name,
          description: body.description,
          data: body.data ?? null,
          access_control: publicOnlyIfAllowed(ctx, user, caller, body.access_control),
        });
        return { ...knowledge, files: null };
      },
      { auth: "verified", body: KnowledgeForm },
    )
    .post(
      "/reindex",
      async ({ user }) => {
        if (user.role !== "admin") throw new HttpError(401, ERROR_MESSAGES.UNAUTHORIZED);
        await reindexAll(ctx, user);
        return true;
      },
      { auth: "verified" },
    )
    .get(
      "/:id",
      async ({ user, params }) => {
        const knowledge = await findKnowledge(ctx.db, params.id);
        if (!knowledge) throw new HttpError(401, ERROR_MESSAGES.NOT_FOUND);
        const caller = await loadCaller(ctx.db, user);
        // Like Open WebUI: an existing knowledge base the caller may not read answers null.
        return canAccess(caller, knowledge, "read") ? withFiles(knowledge) : null;
      },
      { auth: "verified" },
    )
    .post(
      "/:id/update",
      async ({ user, params, body }) => {
        const { knowledge, caller } = await writable(params.id, user);
        const updated = await updateKnowledge(ctx.db, params.id, {
          name: body.name,
          description: body.description,
          // File membership changes only through the file routes; other data keys are kept from the form.
          data: body.data === undefined ? knowledge.data : { ...(body.data ?? {}), file_ids: fileIdsOf(knowledge) },
          access_control: publicOnlyIfAllowed(ctx, user, caller, body.access_control),
        });
        if (!updated) throw new HttpError(400, ERROR_MESSAGES.ID_TAKEN);
        return withFiles(updated);
      },
      { auth: "verified", body: KnowledgeForm },
    )
    .post(
      "/:id/file/add",
      async ({ user, params, body }) => {
        const { caller } = await writable(params.id, user);
        const file = await findAccessibleFile(ctx.db, body.file_id, user, "read", caller);
        if (!file) throw new HttpError(400, ERROR_MESSAGES.NOT_FOUND);
        if (!file.data || Object.keys(file.data).length === 0 || file.data.status === "pending") {
          throw new HttpError(400, ERROR_MESSAGES.FILE_NOT_PROCESSED);
        }
        const current = await findKnowledge(ctx.db, params.id);
        if (current && fileIdsOf(current).includes(file.id)) throw new HttpError(400, defaultError("file_id"));
        await processFile(ctx, user, file, { collectionName: params.id }).catch((error) => {
          throw new HttpError(400, errorMessage(error));
        });
        const updated = await editFileIds(ctx.db, params.id, (ids) => (ids.includes(file.id) ? ids : [...ids, file.id]));
        if (!updated) throw new HttpError(400, defaultError("knowledge"));
        return withFiles(updated);
      },
      { auth: "verified", body: FileIdForm },
    )
    .post(
      "/:id/file/update",
      async ({ user, params, body }) => {
        const { knowledge, caller } = await writable(params.id, user);
        const file = await findAccessibleFile(ctx.db, body.file_id, user, "read", caller);
        if (!file) throw new HttpError(400, ERROR_MESSAGES.NOT_FOUND);
        await retrieval(ctx).store.delete(knowledge.id, { filter: { file_id: file.id } });
        await processFile(ctx, user, file, { collectionName: knowledge.id }).catch((error) => {
          throw new HttpError(400, errorMessage(error));
        });
        return withFiles((await findKnowledge(ctx.db, knowledge.id)) ?? knowledge);
      },
      { auth: "verified", body: FileIdForm },
    )
    .post(
      "/:id/file/remove",
      async ({ user, params, body, query }) => {
        const { knowledge } = await writable(params.id, user);
        const file = await findFile(ctx.db, body.file_id);
        if (!file) throw new HttpError(400, ERROR_MESSAGES.NOT_FOUND);
        // Checked before anything is deleted, so a foreign file id changes nothing.
        if (!fileIdsOf(knowledge).includes(file.id)) throw new HttpError(400, defaultError("file_id"));
        await retrieval(ctx).store.delete(knowledge.id, { filter: { file_id: file.id } });
        const deleteFile = query.delete_file === undefined || !["false", "0", "no", "off"].includes(query.delete_file.toLowerCase());
        if (deleteFile && (file.user_id === user.id || user.role === "admin")) await deleteFileEverywhere(ctx, file);
        const updated = await editFileIds(ctx.db, params.id, (ids) => ids.filter((id) => id !== file.id));
        if (!updated) throw new HttpError(400, defaultError("knowledge"));
        return withFiles(updated);
      },
      { auth: "verified", body: FileIdForm, query: t.Object({ delete_file: t.Optional(t.String()) }) },
    )
    .delete(
      "/:id/delete",
      async ({ user, params }) => {
        const { knowledge } = await writable(params.id, user);
        await removeFromModels(ctx, knowledge.id);
        await retrieval(ctx).store.deleteCollection(knowledge.id).catch(() => {});
        await deleteKnowledge(ctx.db, knowledge.id);
        return true;
      },
      { auth: "verified" },
    )
    .post(
      "/:id/reset",
      async ({ user, params }) => {
        const { knowledge } = await writable(params.id, user);
        await retrieval(ctx).store.deleteCollection(knowledge.id).catch(() => {});
        const updated = await updateKnowledge(ctx.db, knowledge.id, { data: { file_ids: [] } });
        return updated ? { ...updated, files: null } : null;
      },
      { auth: "verified" },
    )
    .post(
      "/:id/files/batch/add",
      async ({ user, params, body }) => {
        const { caller } = await writable(params.id, user);
        const max = ctx.config.get("FILE_MAX_COUNT");
        if (typeof max === "number" && max > 0 && body.length > max) {
          throw new HttpError(400, defaultError(`You can add at most ${max} files at once`));
        }
        const files = [];
        for (const item of body) {
          const file = await findAccessibleFile(ctx.db, item.file_id, user, "read", caller);
          if (!file) throw new HttpError(400, `File ${item.file_id} not found`);
          files.push(file);
        }
        await addFilesInBatch(ctx, user, params.id, files);
        const updated = await findKnowledge(ctx.db, params.id);
        return updated ? withFiles(updated) : null;
      },
      { auth: "verified", body: t.Array(FileIdForm) },
    );
}

/** Knowledge bases the caller can read (or write), each with its files; dangling file ids are dropped. */
async function listWithFiles(ctx: AppContext, user: UserRow, type: "read" | "write") {
  const caller = await loadCaller(ctx.db, user);
  const everything = await listKnowledge(ctx.db);
  const visible =
    user.role === "admin" && adminSeesAll(ctx)
      ? everything
      : everything.filter((k) => k.user_id === caller.id || hasAccess(caller, type, k.access_control));
  const owners = await userBriefs(ctx.db, [...new Set(visible.map((k) => k.user_id))]);
  const out = [];
  for (let knowledge of visible) {
    const ids = fileIdsOf(knowledge);
    let files: Awaited<ReturnType<typeof fileMetadatas>> = [];
    if (knowledge.data) {
      const present = await existingFileIds(ctx.db, ids);
      if (present.size !== ids.length) {
        knowledge = (await editFileIds(ctx.db, knowledge.id, (current) => current.filter((id) => present.has(id)))) ?? knowledge;
      }
      files = await fileMetadatas(ctx.db, fileIdsOf(knowledge));
    }
    out.push({ ...knowledge, user: owners.get(knowledge.user_id) ?? null, files });
  }
  return out;
}

/** Without `sharing.public_knowledge`, a non-admin's public (null) access becomes private ({}). */
function publicOnlyIfAllowed(ctx: AppContext, user: UserRow, caller: Caller, accessControl: JsonObject | null | undefined) {
  if ((accessControl === null || accessControl === undefined) && user.role !== "admin" && !hasPermission(ctx, caller, "sharing.public_knowledge")) {
    return {};
  }
  return accessControl ?? null;
}

/** Re-embeds every knowledge base from its files (after an embedding model change). */
async function reindexAll(ctx: AppContext, user: UserRow): Promise<void> {
  const { store } = retrieval(ctx);
  for (const knowledge of await listKnowledge(ctx.db)) {
    if (!knowledge.data) {
      ctx.log.warn(`knowledge base ${knowledge.id} has no data; deleting it`);
      await deleteKnowledge(ctx.db, knowledge.id);
      continue;
    }
    await store.deleteCollection(knowledge.id);
    for (const id of fileIdsOf(knowledge)) {
      const file = await findFile(ctx.db, id);
      if (!file) continue;
      await processFile(ctx, user, file, { collectionName: knowledge.id }).catch((error) => {
        ctx.log.warn(`reindexing ${file.filename} into ${knowledge.id} failed: ${errorMessage(error)}`);
      });
    }
  }
}
