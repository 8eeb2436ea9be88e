// /api/v1/users: the admin's user table and edits, the caller's settings and info, default and
// effective permissions, public user cards and avatars — as Open WebUI 0.6.32's routers/users.py.
import { Elysia, t } from "elysia";
import { eq } from "drizzle-orm";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { ERROR_MESSAGES, HttpError, badRequest } from "../core/errors";
import { hashPassword, passwordTooLong } from "../auths/passwords";
import { setPasswordHash } from "../auths/repository";
import { effectivePermissions } from "../auths/session";
import { listGroupsOfMember, toGroupView } from "../groups/repository";
import { permissionsWithFallbacks, PermissionsBody } from "./permissions";
import {
  deleteUserAndData,
  findFirstUser,
  findUserByEmail,
  findUserById,
  listUsers,
  mergeUserJson,
  ROLES,
  updateUser,
  USER_ORDER_COLUMNS,
  type UserOrder,
} from "./repository";
import { dropMemoryIndex, keepIndex } from "../memories/vectors";
import { toUserModel } from "./views";

const PAGE_SIZE = 30;

const ListQuery = t.Object({
  query: t.Optional(t.String()),
  order_by: t.Optional(t.String()),
  direction: t.Optional(t.String()),
  page: t.Optional(t.Numeric({ minimum: 1 })),
});

export function usersRoutes(ctx: AppContext) {
  /** "Is this account connected right now": from the realtime pools (every instance's with Redis). */
  const isActive = (userId: string) => ctx.usage.isUserActive(userId);

  return new Elysia({ name: "users", prefix: "/api/v1/users" })
    .use(authGuard(ctx))
    .get(
      "/",
      async ({ query }) => {
        const page = Math.max(1, query.page ?? 1);
        const orderBy = (USER_ORDER_COLUMNS as readonly string[]).includes(query.order_by ?? "")
          ? (query.order_by as UserOrder)
          : undefined;
        const result = await listUsers(ctx.db, {
          query: query.query,
          orderBy,
          direction: query.direction === "asc" ? "asc" : "desc",
          skip: (page - 1) * PAGE_SIZE,
          limit: PAGE_SIZE,
        });
        return { users: result.users.map(toUserModel), total: result.total };
      },
      { auth: "admin", query: ListQuery, detail: { tags: ["users"] } },
    )
    .get(
      "/all",
      async () => {
        const result = await listUsers(ctx.db);
        return { users: result.users.map(toUserModel), total: result.total };
      },
      { auth: "admin", detail: { tags: ["users"] } },
    )
    .get(
      "/search",
      async ({ query }) => {
        const result = await listUsers(ctx.db, { query: query.query, limit: PAGE_SIZE });
        return { users: result.users.map((u) => ({ id: u.id, name: u.name })), total: result.total };
      },
      { auth: "verified", query: t.Object({ query: t.Optional(t.String()) }), detail: { tags: ["users"] } },
    )
    .get(
      "/groups",
      async ({ user }) => (await listGroupsOfMember(ctx.db, user.id)).map(toGroupView),
      { auth: "verified", detail: { tags: ["users"] } },
    )
    .get("/permissions", ({ user }) => effectivePermissions(ctx, user.id), { auth: "verified", detail: { tags: ["users"] } })
    .get(
      "/default/permissions",
      () => permissionsWithFallbacks(ctx.config.get("USER_PERMISSIONS")),
      { auth: "admin", detail: { tags: ["users"] } },
    )
    .post(
      "/default/permissions",
      async ({ body }) => {
        await ctx.config.set({ USER_PERMISSIONS: permissionsWithFallbacks(body) });
        return ctx.config.get("USER_PERMISSIONS");
      },
      { auth: "admin", body: PermissionsBody, detail: { tags: ["users"] } },
    )
    .get(
      "/user/settings",
      async ({ user }) => {
        const row = await findUserById(ctx.db, user.id);
        if (!row) throw badRequest(ERROR_MESSAGES.USER_NOT_FOUND);
        return withUi(row.settings);
      },
      { auth: "verified", detail: { tags: ["users"] } },
    )
    .post(
      "/user/settings/update",
      async ({ body, user }) => {
        // `ui` may be null, as the reference's model allows; a missing one is saved as {}.
        const settings = { ...body, ui: body.ui === null ? null : { ...(body.ui ?? {}) } } as Record<string, unknown> & {
          ui: Record<string, unknown> | null;
        };
        if (user.role !== "admin" && settings.ui && "toolServers" in settings.ui) {
          const permissions = await effectivePermissions(ctx, user.id);
          if (!permissions.features?.direct_tool_servers) delete settings.ui.toolServers;
        }
        const saved = await mergeUserJson(ctx.db, user.id, "settings", (current) => ({ ...current, ...settings }));
        if (!saved) throw badRequest(ERROR_MESSAGES.USER_NOT_FOUND);
        ctx.auth.forget(user.id);
        return withUi(saved);
      },
      {
        auth: "verified",
        body: t.Object({ ui: t.Optional(t.Union([t.Record(t.String(), t.Unknown()), t.Null()])) }, { additionalProperties: t.Unknown() }),
        detail: { tags: ["users"] },
      },
    )
    .get(
      "/user/info",
      async ({ user }) => {
        const row = await findUserById(ctx.db, user.id);
        if (!row) throw badRequest(ERROR_MESSAGES.USER_NOT_FOUND);
        return row.info ?? null;
      },
      { auth: "verified", detail: { tags: ["users"] } },
    )
    .post(
      "/user/info/update",
      async ({ body, user }) => {
        const saved = await mergeUserJson(ctx.db, user.id, "info", (current) => ({ ...current, ...body }));
        if (!saved) throw badRequest(ERROR_MESSAGES.USER_NOT_FOUND);
        ctx.auth.forget(user.id);
        return saved;
      },
      { auth: "verified", body: t.Record(t.String(), t.Unknown()), detail: { tags: ["users"] } },
    )
    .get(
      "/:user_id",
      async ({ params }) => {
        const ownerId = params.user_id.startsWith("shared-")
          ? await sharedChatOwner(ctx, params.user_id.slice("shared-".length))
          : params.user_id;
        const found = ownerId ? await findUserById(ctx.db, ownerId) : undefined;
        if (!found) throw badRequest(ERROR_MESSAGES.USER_NOT_FOUND);
        return { name: found.name, profile_image_url: found.profile_image_url, active: await isActive(found.id) };
      },
      { auth: "verified", detail: { tags: ["users"] } },
    )
    .get(
      "/:user_id/oauth/sessions",
      async ({ params }) => {
        const { oauth_session } = ctx.db.t;
        const sessions = await ctx.db.read
          .select({
            id: oauth_session.id,
            user_id: oauth_session.user_id,
            provider: oauth_session.provider,
            expires_at: oauth_session.expires_at,
            created_at: oauth_session.created_at,
            updated_at: oauth_session.updated_at,
          })
          .from(oauth_session)
          .where(eq(oauth_session.user_id, params.user_id));
        if (sessions.length === 0) throw badRequest(ERROR_MESSAGES.USER_NOT_FOUND);
        return sessions;
      },
      { auth: "admin", detail: { tags: ["users"] } },
    )
    .get(
      "/:user_id/profile/image",
      async ({ params }) => {
        const found = await findUserById(ctx.db, params.user_id);
        if (!found) throw badRequest(ERROR_MESSAGES.USER_NOT_FOUND);
        return profileImage(ctx, found.profile_image_url);
      },
      { auth: "verified", detail: { tags: ["users"] } },
    )
    .post(
      "/:user_id/update",
      async ({ params, body, user }) => {
        const primary = await findFirstUser(ctx.db);
        if (primary?.id === params.user_id && (user.id !== params.user_id || body.role !== "admin")) {
          throw new HttpError(403, ERROR_MESSAGES.ACTION_PROHIBITED);
        }
        const target = await findUserById(ctx.db, params.user_id);
        if (!target) throw badRequest(ERROR_MESSAGES.USER_NOT_FOUND);
        const email = body.email.toLowerCase();
        if (email !== target.email && (await findUserByEmail(ctx.db, email))) throw badRequest(ERROR_MESSAGES.EMAIL_TAKEN);
        if (body.password) {
          if (passwordTooLong(body.password)) throw badRequest(ERROR_MESSAGES.PASSWORD_TOO_LONG);
          await setPasswordHash(ctx.db, target.id, await hashPassword(body.password));
        }
        const updated = await updateUser(ctx.db, target.id, {
          role: body.role,
          name: body.name,
          email,
          profile_image_url: body.profile_image_url,
        });
        if (!updated) throw badRequest(ERROR_MESSAGES.DEFAULT);
        ctx.auth.forget(target.id);
        return toUserModel(updated);
      },
      {
        auth: "admin",
        body: t.Object({
          role: t.Union(ROLES.map((r) => t.Literal(r))),
          name: t.String({ minLength: 1 }),
          email: t.String({ minLength: 3 }),
          profile_image_url: t.String(),
          password: t.Optional(t.Nullable(t.String())),
        }),
        detail: { tags: ["users"] },
      },
    )
    .delete(
      "/:user_id",
      async ({ params, user }) => {
        const primary = await findFirstUser(ctx.db);
        if (primary?.id === params.user_id || user.id === params.user_id) {
          throw new HttpError(403, ERROR_MESSAGES.ACTION_PROHIBITED);
        }
        if (!(await deleteUserAndData(ctx.db, params.user_id))) throw badRequest(ERROR_MESSAGES.USER_NOT_FOUND);
        ctx.auth.forget(params.user_id);
        await keepIndex(ctx, "dropping a deleted user's memories", () => dropMemoryIndex(ctx, params.user_id));
        return true;
      },
      { auth: "admin", detail: { tags: ["users"] } },
    )
    .get(
      "/:user_id/groups",
      async ({ params }) => (await listGroupsOfMember(ctx.db, params.user_id)).map(toGroupView),
      { auth: "admin", detail: { tags: ["users"] } },
    );
}

async function sharedChatOwner(ctx: AppContext, chatId: string): Promise<string | undefined> {
  const { chat } = ctx.db.t;
  const [row] = await ctx.db.read.select({ user_id: chat.user_id }).from(chat).where(eq(chat.id, chatId)).limit(1);
  return row?.user_id;
}

/** http(s) URL: redirect; data: URL: the image itself; anything else: the default avatar. */
function profileImage(ctx: AppContext, url: string): Response {
  if (/^https?:\/\//.test(url)) return new Response(null, { status: 302, headers: { location: url } });
  const data = /^data:image\/[a-z0-9.+-]+;base64,(.+)$/i.exec(url);
  if (data?.[1]) {
    try {
      return new Response(Buffer.from(data[1], "base64"), {
        headers: { "content-type": "image/png", "content-disposition": "inline; filename=image.png" },
      });
    } catch {}
  }
  return Response.redirect("/static/user.png", 302);
}

/** Stored settings as the reference answers them: `ui` is always there ({} when never saved). */
function withUi(settings: unknown): Record<string, unknown> | null {
  if (settings === null || settings === undefined) return null;
  return { ui: {}, ...(settings as Record<string, unknown>) };
}
