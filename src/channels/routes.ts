// /api/v1/channels, read side, as routers/channels.py of 0.6.32. Creating and changing channels
// and their messages are absent.
import { Elysia } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { accessControlView, callerOf } from "../core/caller";
import { ERROR_MESSAGES, HttpError } from "../core/errors";
import { exactInteger } from "../core/nanoseconds";
import { listAllChannels, listChannelsFor, readChannel, type ChannelRow } from "./repository";

const asObject = (value: unknown) =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

/** ChannelModel, with the nanosecond timestamps exact. */
export function toChannelModel(row: ChannelRow) {
  return {
    id: row.id,
    user_id: row.user_id ?? "",
    type: row.type ?? null,
    name: row.name ?? "",
    description: row.description ?? null,
    data: asObject(row.data),
    meta: asObject(row.meta),
    access_control: accessControlView(row.access_control),
    created_at: exactInteger(row.created_at),
    updated_at: exactInteger(row.updated_at),
  };
}

export function channelsRoutes(ctx: AppContext) {
  return new Elysia({ name: "channels", prefix: "/api/v1/channels" })
    .use(authGuard(ctx))
    .get("/", async ({ user }) => (await listChannelsFor(ctx.db, await callerOf(ctx, user))).map(toChannelModel), {
      auth: "verified",
      detail: { tags: ["channels"] },
    })
    .get(
      "/list",
      async ({ user }) => {
        const rows = user.role === "admin" ? await listAllChannels(ctx.db) : await listChannelsFor(ctx.db, await callerOf(ctx, user));
        return rows.map(toChannelModel);
      },
      { auth: "verified", detail: { tags: ["channels"] } },
    )
    .get(
      "/:id",
      async ({ user, params }) => {
        const result = await readChannel(ctx.db, await callerOf(ctx, user), params.id);
        if (result === "not_found") throw new HttpError(404, ERROR_MESSAGES.NOT_FOUND);
        if (result === "forbidden") throw new HttpError(403, ERROR_MESSAGES.DEFAULT);
        return { ...toChannelModel(result.row), write_access: result.writable };
      },
      { auth: "verified", detail: { tags: ["channels"] } },
    );
}
