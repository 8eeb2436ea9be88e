// /api/v1/channels, as routers/channels.py of 0.6.32. Admins create, change and delete channels;
// readers of a channel read its messages, writers (has_access non-strict: everyone in a public
// channel) post and react. Every change reaches the sockets in the room `channel:<id>` as
// `channel-events`. Models mentioned in a message answer in the background (model-replies.ts).
// Not here: webhook notifications to members who are away (see docs/differences.md).
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { AccessControlBody, accessControlView, callerOf } from "../core/caller";
import { ERROR_MESSAGES, HttpError, badRequest } from "../core/errors";
import { exactInteger } from "../core/nanoseconds";
import type { UserRow } from "../users/repository";
import {
  addReaction,
  deleteMessage,
  findMessage,
  insertMessage,
  listChannelMessages,
  listThreadMessages,
  messageModel,
  messageResponses,
  removeReaction,
  updateMessage,
  type MessageForm as MessageFields,
  type MessageRow,
  type TimeFormat,
} from "./messages";
import { answerMentionedModels } from "./model-replies";
import {
  channelGrants,
  deleteChannel,
  findChannel,
  insertChannel,
  listAllChannels,
  listChannelsFor,
  readChannel,
  updateChannel,
  type ChannelRow,
} from "./repository";

const JsonObject = t.Record(t.String(), t.Unknown());

const ChannelForm = t.Object({
  name: t.String(),
  description: t.Optional(t.Nullable(t.String())),
  data: t.Optional(t.Nullable(JsonObject)),
  meta: t.Optional(t.Nullable(JsonObject)),
  access_control: t.Optional(AccessControlBody),
});

const MessageForm = t.Object({
  content: t.String(),
  reply_to_id: t.Optional(t.Nullable(t.String())),
  parent_id: t.Optional(t.Nullable(t.String())),
  data: t.Optional(t.Nullable(JsonObject)),
  meta: t.Optional(t.Nullable(JsonObject)),
});

const ReactionForm = t.Object({ name: t.String() });

const PageQuery = t.Object({
  skip: t.Optional(t.Integer({ minimum: 0, default: 0 })),
  limit: t.Optional(t.Integer({ minimum: 0, default: 50 })),
});

const asObject = (value: unknown) =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;

/** Exact digits in HTTP answers. */
const exact: TimeFormat = exactInteger;
/** Plain numbers in socket events: exact JSON numbers do not survive the Redis adapter's encoding. */
const plain: TimeFormat = (text) => (text === null ? null : Number(text));

/** ChannelModel, with the nanosecond timestamps exact. */
export function toChannelModel(row: ChannelRow, time: TimeFormat = exact) {
  return {
    id: row.id,
    user_id: row.user_id ?? "",
    type: row.type ?? null,
    name: row.name ?? "",
    description: row.description ?? null,
    data: asObject(row.data),
    meta: asObject(row.meta),
    access_control: accessControlView(row.access_control),
    created_at: time(row.created_at),
    updated_at: time(row.updated_at),
  };
}

const userName = (user: UserRow) => ({ id: user.id, name: user.name, role: user.role, profile_image_url: user.profile_image_url });

const notFound = () => new HttpError(404, ERROR_MESSAGES.NOT_FOUND);
const forbidden = () => new HttpError(403, ERROR_MESSAGES.DEFAULT);

export function channelsRoutes(ctx: AppContext) {
  const channelOf = async (id: string) => {
    const row = await findChannel(ctx.db, id);
    if (!row) throw notFound();
    return row;
  };
  /** The channel, once the caller is known to hold `need` on it (admins hold both). */
  const channelFor = async (user: UserRow, id: string, need: "readable" | "writable") => {
    const row = await channelOf(id);
    const caller = await callerOf(ctx, user);
    if (!channelGrants(caller, row)[need]) throw forbidden();
    return { row, caller };
  };
  /** The message, once it is known to be one of this channel's. */
  const messageIn = async (channel: ChannelRow, messageId: string) => {
    const row = await findMessage(ctx.db, messageId);
    if (!row) throw notFound();
    if (row.channel_id !== channel.id) throw badRequest(ERROR_MESSAGES.DEFAULT);
    return row;
  };
  /** Replies and threads stay inside the channel: a message id of another channel is refused. */
  const linksInside = async (channel: ChannelRow, body: { parent_id?: string | null; reply_to_id?: string | null }) => {
    for (const id of [body.parent_id, body.reply_to_id]) {
      if (!id) continue;
      const linked = await findMessage(ctx.db, id);
      if (linked?.channel_id !== channel.id) throw badRequest(ERROR_MESSAGES.DEFAULT);
    }
  };
  /** Only the author of a message or an admin changes or deletes it (as the frontend offers). */
  const mayChange = (user: UserRow, message: MessageRow) => user.role === "admin" || message.user_id === user.id;

  const emit = async (channel: ChannelRow, user: UserRow, message: MessageRow, type: string, extra: Record<string, unknown> = {}) => {
    const [full] = await messageResponses(ctx.db, [message], plain);
    ctx.emit.toRoom(`channel:${channel.id}`, "channel-events", {
      channel_id: channel.id,
      message_id: message.id,
      data: { type, data: { ...full, ...extra } },
      user: userName(user),
      channel: toChannelModel(channel, plain),
    });
  };
  /** A reply changes its thread's count: the thread's first message goes out as `message:reply`. */
  const emitThreadOf = async (channel: ChannelRow, user: UserRow, message: MessageRow) => {
    if (!message.parent_id) return;
    const parent = await findMessage(ctx.db, message.parent_id);
    if (parent && parent.channel_id === channel.id) await emit(channel, user, parent, "message:reply");
  };
  /** Inserts the message and tells the channel (and the thread, for a reply). */
  const postMessage = async (channel: ChannelRow, user: UserRow, form: MessageFields) => {
    const message = await insertMessage(ctx.db, channel.id, user.id, form);
    await emit(channel, user, message, "message");
    await emitThreadOf(channel, user, message);
    return message;
  };
  const editMessage = async (channel: ChannelRow, user: UserRow, messageId: string, form: MessageFields) => {
    const updated = await updateMessage(ctx.db, messageId, form);
    if (updated) await emit(channel, user, updated, "message:update");
    return updated;
  };
  /** After the answer, as the reference's background task: models mentioned reply in the thread. */
  const answerInBackground = (channel: ChannelRow, user: UserRow, message: MessageRow) => {
    const writer = {
      post: (form: MessageFields) => postMessage(channel, user, form),
      update: async (messageId: string, form: MessageFields) => void (await editMessage(channel, user, messageId, form)),
    };
    void answerMentionedModels(ctx, message, user, writer).catch((error) => ctx.log.warn("channel model reply failed", error));
  };
  const page = (query: { skip?: number; limit?: number }) => ({ skip: query.skip ?? 0, limit: query.limit ?? 50 });

  return new Elysia({ name: "channels", prefix: "/api/v1/channels" })
    .use(authGuard(ctx))
    .get("/", async ({ user }) => (await listChannelsFor(ctx.db, await callerOf(ctx, user))).map((row) => toChannelModel(row)), {
      auth: "verified",
      detail: { tags: ["channels"] },
    })
    .get(
      "/list",
      async ({ user }) => {
        const rows = user.role === "admin" ? await listAllChannels(ctx.db) : await listChannelsFor(ctx.db, await callerOf(ctx, user));
        return rows.map((row) => toChannelModel(row));
      },
      { auth: "verified", detail: { tags: ["channels"] } },
    )
    .post("/create", async ({ user, body }) => toChannelModel(await insertChannel(ctx.db, user.id, body)), {
      auth: "admin",
      body: ChannelForm,
      detail: { tags: ["channels"] },
    })
    .get(
      "/:id",
      async ({ user, params }) => {
        const result = await readChannel(ctx.db, await callerOf(ctx, user), params.id);
        if (result === "not_found") throw notFound();
        if (result === "forbidden") throw forbidden();
        return { ...toChannelModel(result.row), write_access: result.writable };
      },
      { auth: "verified", detail: { tags: ["channels"] } },
    )
    .post(
      "/:id/update",
      async ({ params, body }) => {
        const row = await updateChannel(ctx.db, params.id, body);
        if (!row) throw notFound();
        return toChannelModel(row);
      },
      { auth: "admin", body: ChannelForm, detail: { tags: ["channels"] } },
    )
    .delete(
      "/:id/delete",
      async ({ params }) => {
        if (!(await deleteChannel(ctx.db, params.id))) throw notFound();
        return true;
      },
      { auth: "admin", detail: { tags: ["channels"] } },
    )
    .get(
      "/:id/messages",
      async ({ user, params, query }) => {
        const { row } = await channelFor(user, params.id, "readable");
        return messageResponses(ctx.db, await listChannelMessages(ctx.db, row.id, page(query)), exact);
      },
      { auth: "verified", query: PageQuery, detail: { tags: ["channels"] } },
    )
    .post(
      "/:id/messages/post",
      async ({ user, params, body }) => {
        const { row: channel } = await channelFor(user, params.id, "writable");
        await linksInside(channel, body);
        const message = await postMessage(channel, user, body);
        answerInBackground(channel, user, message);
        return messageModel(message, exact);
      },
      { auth: "verified", body: MessageForm, detail: { tags: ["channels"] } },
    )
    .get(
      "/:id/messages/:message_id",
      async ({ user, params }) => {
        const { row: channel } = await channelFor(user, params.id, "readable");
        const message = await messageIn(channel, params.message_id);
        return (await messageResponses(ctx.db, [message], exact))[0];
      },
      { auth: "verified", detail: { tags: ["channels"] } },
    )
    .get(
      "/:id/messages/:message_id/thread",
      async ({ user, params, query }) => {
        const { row: channel } = await channelFor(user, params.id, "readable");
        const rows = await listThreadMessages(ctx.db, channel.id, params.message_id, page(query));
        return messageResponses(ctx.db, rows, exact, true);
      },
      { auth: "verified", query: PageQuery, detail: { tags: ["channels"] } },
    )
    .post(
      "/:id/messages/:message_id/update",
      async ({ user, params, body }) => {
        const channel = await channelOf(params.id);
        const message = await messageIn(channel, params.message_id);
        if (!mayChange(user, message)) throw forbidden();
        const updated = await editMessage(channel, user, message.id, body);
        if (!updated) throw notFound();
        return messageModel(updated, exact);
      },
      { auth: "verified", body: MessageForm, detail: { tags: ["channels"] } },
    )
    .post(
      "/:id/messages/:message_id/reactions/add",
      async ({ user, params, body }) => {
        const { row: channel } = await channelFor(user, params.id, "writable");
        const message = await messageIn(channel, params.message_id);
        await addReaction(ctx.db, message.id, user.id, body.name);
        await emit(channel, user, message, "message:reaction:add", { name: body.name });
        return true;
      },
      { auth: "verified", body: ReactionForm, detail: { tags: ["channels"] } },
    )
    .post(
      "/:id/messages/:message_id/reactions/remove",
      async ({ user, params, body }) => {
        const { row: channel } = await channelFor(user, params.id, "writable");
        const message = await messageIn(channel, params.message_id);
        await removeReaction(ctx.db, message.id, user.id, body.name);
        await emit(channel, user, message, "message:reaction:remove", { name: body.name });
        return true;
      },
      { auth: "verified", body: ReactionForm, detail: { tags: ["channels"] } },
    )
    .delete(
      "/:id/messages/:message_id/delete",
      async ({ user, params }) => {
        const channel = await channelOf(params.id);
        const message = await messageIn(channel, params.message_id);
        if (!mayChange(user, message)) throw forbidden();
        // The event carries the message as it was, with the deleting user as its `user`.
        const [full] = await messageResponses(ctx.db, [message], plain);
        await deleteMessage(ctx.db, message.id);
        ctx.emit.toRoom(`channel:${channel.id}`, "channel-events", {
          channel_id: channel.id,
          message_id: message.id,
          data: { type: "message:delete", data: { ...full, user: userName(user) } },
          user: userName(user),
          channel: toChannelModel(channel, plain),
        });
        await emitThreadOf(channel, user, message);
        return true;
      },
      { auth: "verified", detail: { tags: ["channels"] } },
    );
}
