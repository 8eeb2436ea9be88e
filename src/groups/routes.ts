// /api/v1/groups: admins manage groups (name, description, permissions, members); others see
// the groups they belong to. As Open WebUI 0.6.32's routers/groups.py.
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { ERROR_MESSAGES, HttpError, badRequest } from "../core/errors";
import { existingUserIds } from "../users/repository";
import { deleteGroup, findGroup, insertGroup, listGroups, listGroupsOfMember, memberIds, toGroupView, updateGroup } from "./repository";

const GroupBody = t.Object({
  name: t.String({ minLength: 1 }),
  description: t.String(),
  permissions: t.Optional(t.Nullable(t.Record(t.String(), t.Unknown()))),
});
const UserIdsBody = t.Object({ user_ids: t.Optional(t.Nullable(t.Array(t.String()))) });

export function groupsRoutes(ctx: AppContext) {
  const notFound = () => new HttpError(401, ERROR_MESSAGES.NOT_FOUND);
  /** The group after `change`, or the reference's 400 when it does not exist. */
  const changed = async (id: string, failure: string, change: Parameters<typeof updateGroup>[2]) => {
    const row = await updateGroup(ctx.db, id, change);
    if (!row) throw badRequest(`[ERROR: ${failure}]`);
    forgetMembers(ctx, memberIds(row));
    return toGroupView(row);
  };

  return new Elysia({ name: "groups", prefix: "/api/v1/groups" })
    .use(authGuard(ctx))
    .get(
      "/",
      async ({ user }) =>
        (user.role === "admin" ? await listGroups(ctx.db) : await listGroupsOfMember(ctx.db, user.id)).map(toGroupView),
      { auth: "verified", detail: { tags: ["groups"] } },
    )
    .post("/create", async ({ body, user }) => toGroupView(await insertGroup(ctx.db, user.id, body)), {
      auth: "admin",
      body: GroupBody,
      detail: { tags: ["groups"] },
    })
    .get(
      "/id/:id",
      async ({ params }) => {
        const row = await findGroup(ctx.db, params.id);
        if (!row) throw notFound();
        return toGroupView(row);
      },
      { auth: "admin", detail: { tags: ["groups"] } },
    )
    .post(
      "/id/:id/update",
      async ({ params, body }) => {
        const userIds = body.user_ids ? await existingUserIds(ctx.db, [...new Set(body.user_ids)]) : undefined;
        return changed(params.id, "Error updating group", (row) => {
          forgetMembers(ctx, memberIds(row));
          return {
            name: body.name,
            description: body.description,
            ...(body.permissions != null ? { permissions: body.permissions } : {}),
            ...(userIds ? { user_ids: userIds } : {}),
          };
        });
      },
      { auth: "admin", body: t.Composite([GroupBody, UserIdsBody]), detail: { tags: ["groups"] } },
    )
    .post(
      "/id/:id/users/add",
      async ({ params, body }) => {
        const added = await existingUserIds(ctx.db, body.user_ids ?? []);
        return changed(params.id, "Error adding users to group", (row) => ({
          user_ids: [...new Set([...memberIds(row), ...added])],
        }));
      },
      { auth: "admin", body: UserIdsBody, detail: { tags: ["groups"] } },
    )
    .post(
      "/id/:id/users/remove",
      async ({ params, body }) => {
        const removed = new Set(body.user_ids ?? []);
        forgetMembers(ctx, [...removed]);
        return changed(params.id, "Error removing users from group", (row) => ({
          user_ids: [...new Set(memberIds(row))].filter((id) => !removed.has(id)),
        }));
      },
      { auth: "admin", body: UserIdsBody, detail: { tags: ["groups"] } },
    )
    .delete(
      "/id/:id/delete",
      async ({ params }) => {
        if (!(await deleteGroup(ctx.db, params.id))) throw badRequest("[ERROR: Error deleting group]");
        return true;
      },
      { auth: "admin", detail: { tags: ["groups"] } },
    );
}

/** Group changes alter members' effective permissions: drop their cached rows. */
function forgetMembers(ctx: AppContext, userIds: string[]): void {
  for (const id of userIds) ctx.auth.forget(id);
}
