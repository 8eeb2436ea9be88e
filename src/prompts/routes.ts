// /api/v1/prompts: slash commands ("/summarize") with Open WebUI's access control, as
// routers/prompts.py of 0.6.32. URLs carry the command without its slash.
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { AccessControlBody, accessControlView, adminBypassEnabled, callerOf, ownersById, permitted } from "../core/caller";
import { ERROR_MESSAGES, HttpError, badRequest } from "../core/errors";
import type { UserRow } from "../users/repository";
import { deletePrompt, insertPrompt, listAllPrompts, listPromptsFor, readPrompt, updatePrompt, type PromptRow, type Refusal } from "./repository";

const PromptBody = t.Object({
  // Stored with one leading slash; a slash further on would make it unreachable by URL.
  command: t.String({ pattern: "^/?[^/]+$" }),
  title: t.String(),
  content: t.String(),
  access_control: t.Optional(AccessControlBody),
});

export function toPromptView(row: PromptRow) {
  return {
    command: row.command,
    user_id: row.user_id,
    title: row.title,
    content: row.content,
    timestamp: row.timestamp,
    access_control: accessControlView(row.access_control),
  };
}

export function promptsRoutes(ctx: AppContext) {
  const bypass = adminBypassEnabled(ctx);
  const seesAll = (user: UserRow) => user.role === "admin" && bypass;
  const refuse = (refusal: Refusal): never => {
    throw new HttpError(401, refusal === "not_found" ? ERROR_MESSAGES.NOT_FOUND : ERROR_MESSAGES.ACCESS_PROHIBITED);
  };

  return new Elysia({ name: "prompts", prefix: "/api/v1/prompts" })
    .use(authGuard(ctx))
    .get(
      "/",
      async ({ user }) => {
        const rows = seesAll(user) ? await listAllPrompts(ctx.db) : await listPromptsFor(ctx.db, await callerOf(ctx, user), "read");
        return rows.map(toPromptView);
      },
      { auth: "verified", detail: { tags: ["prompts"] } },
    )
    .get(
      "/list",
      async ({ user }) => {
        const rows = seesAll(user) ? await listAllPrompts(ctx.db) : await listPromptsFor(ctx.db, await callerOf(ctx, user), "write");
        const owners = await ownersById(ctx.db, rows.map((r) => r.user_id));
        return rows.map((row) => ({ ...toPromptView(row), user: owners.get(row.user_id) ?? null }));
      },
      { auth: "verified", detail: { tags: ["prompts"] } },
    )
    .post(
      "/create",
      async ({ user, body }) => {
        if (user.role !== "admin" && !permitted(await callerOf(ctx, user), "workspace.prompts")) {
          throw new HttpError(401, ERROR_MESSAGES.UNAUTHORIZED);
        }
        const command = body.command.startsWith("/") ? body.command : `/${body.command}`;
        const created = await insertPrompt(ctx.db, user.id, command, body);
        if (created === "taken") throw badRequest(ERROR_MESSAGES.COMMAND_TAKEN);
        return toPromptView(created);
      },
      { auth: "verified", body: PromptBody, detail: { tags: ["prompts"] } },
    )
    .get(
      "/command/:command",
      async ({ user, params }) => {
        const result = await readPrompt(ctx.db, await callerOf(ctx, user), `/${params.command}`);
        if (result === "not_found") throw new HttpError(401, ERROR_MESSAGES.NOT_FOUND);
        // As the reference: a prompt the caller may not read answers null, not an error.
        return result === "forbidden" ? null : toPromptView(result);
      },
      { auth: "verified", detail: { tags: ["prompts"] } },
    )
    .post(
      "/command/:command/update",
      async ({ user, params, body }) => {
        const result = await updatePrompt(ctx.db, await callerOf(ctx, user), `/${params.command}`, body);
        return typeof result === "string" ? refuse(result) : toPromptView(result);
      },
      { auth: "verified", body: PromptBody, detail: { tags: ["prompts"] } },
    )
    .delete(
      "/command/:command/delete",
      async ({ user, params }) => {
        const result = await deletePrompt(ctx.db, await callerOf(ctx, user), `/${params.command}`);
        return result === true ? true : refuse(result);
      },
      { auth: "verified", detail: { tags: ["prompts"] } },
    );
}
