// /api/v1/memories: the caller's own memories, as routers/memories.py of 0.6.32 does with the
// rows. The reference also keeps each memory embedded in a vector collection; the routes that
// exist only for that index (/ef, /query, /reset) are absent here.
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { HttpError } from "../core/errors";
import { deleteAllMemories, deleteMemory, insertMemory, listMemories, updateMemory, type MemoryRow } from "./repository";

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
    .post("/add", async ({ user, body }) => toMemoryView(await insertMemory(ctx.db, user.id, body.content)), {
      auth: "verified",
      body: t.Object({ content: t.String() }),
      detail: { tags: ["memories"] },
    })
    .delete(
      "/delete/user",
      async ({ user }) => {
        await deleteAllMemories(ctx.db, user.id);
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
        return toMemoryView(row);
      },
      {
        auth: "verified",
        body: t.Object({ content: t.Optional(t.Nullable(t.String())) }),
        detail: { tags: ["memories"] },
      },
    )
    .delete("/:id", async ({ user, params }) => deleteMemory(ctx.db, user.id, params.id), {
      auth: "verified",
      detail: { tags: ["memories"] },
    });
}
