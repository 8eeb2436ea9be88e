// /api/v1/memories: the caller's own memories, as routers/memories.py of 0.6.32: rows in the
// `memory` table, mirrored into the vector collection `user-memory-<user id>` for search.
// GET /ef (an unauthenticated debug route that embeds "hello world") is absent.
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { HttpError } from "../core/errors";
import { deleteAllMemories, deleteMemory, insertMemory, listMemories, updateMemory, type MemoryRow } from "./repository";
import { dropMemoryIndex, indexMemories, keepIndex, memoryIndexExists, searchMemories, unindexMemory } from "./vectors";

export function toMemoryView(row: MemoryRow) {
  return { id: row.id, user_id: row.user_id, content: row.content, updated_at: row.updated_at, created_at: row.created_at };
}

export function memoriesRoutes(ctx: AppContext) {
  const memoryNotFound = () => new HttpError(404, "Memory not found");

  return new Elysia({ name: "memories", prefix: "/api/v1/memories" })
    .use(authGuard(ctx))
    .get("/", async ({ user }) => (await listMemories(ctx.db, user.id)).map(toMemoryView), {
      auth: "verified",
      detail: { tags: ["memories"] },
    })
    .post(
      "/add",
      async ({ user, body }) => {
        const row = await insertMemory(ctx.db, user.id, body.content);
        await keepIndex(ctx, "adding", () => indexMemories(ctx, user, [row], false));
        return toMemoryView(row);
      },
      { auth: "verified", body: t.Object({ content: t.String() }), detail: { tags: ["memories"] } },
    )
    .post(
      "/query",
      async ({ user, body }) => {
        const rows = await listMemories(ctx.db, user.id);
        if (rows.length === 0) throw new HttpError(404, "No memories found for user");
        // Memories written by the Python backend live in its own vector store: index them on first use.
        if (!(await memoryIndexExists(ctx, user.id))) await indexMemories(ctx, user, rows, true);
        return searchMemories(ctx, user, body.content, body.k ?? 1);
      },
      {
        auth: "verified",
        body: t.Object({ content: t.String(), k: t.Optional(t.Nullable(t.Integer({ minimum: 1, maximum: 1000 }))) }),
        detail: { tags: ["memories"] },
      },
    )
    .post(
      "/reset",
      async ({ user }) => {
        // As the reference, failures here are the caller's to see: this is the repair route.
        await dropMemoryIndex(ctx, user.id);
        await indexMemories(ctx, user, await listMemories(ctx.db, user.id), true);
        return true;
      },
      { auth: "verified", detail: { tags: ["memories"] } },
    )
    .delete(
      "/delete/user",
      async ({ user }) => {
        await deleteAllMemories(ctx.db, user.id);
        await keepIndex(ctx, "deleting all", () => dropMemoryIndex(ctx, user.id));
        return true;
      },
      { auth: "verified", detail: { tags: ["memories"] } },
    )
    .post(
      "/:id/update",
      async ({ user, params, body }) => {
        // Without content the reference's write fails on the NOT NULL column: "not found", nothing changes.
        if (body.content === undefined || body.content === null) throw memoryNotFound();
        const row = await updateMemory(ctx.db, user.id, params.id, body.content);
        if (!row) throw memoryNotFound();
        await keepIndex(ctx, "updating", () => indexMemories(ctx, user, [row], true));
        return toMemoryView(row);
      },
      {
        auth: "verified",
        body: t.Object({ content: t.Optional(t.Nullable(t.String())) }),
        detail: { tags: ["memories"] },
      },
    )
    .delete(
      "/:id",
      async ({ user, params }) => {
        if (!(await deleteMemory(ctx.db, user.id, params.id))) return false;
        await keepIndex(ctx, "deleting", () => unindexMemory(ctx, user.id, params.id));
        return true;
      },
      { auth: "verified", detail: { tags: ["memories"] } },
    );
}
