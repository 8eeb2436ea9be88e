// /api/v1/scim/v2: SCIM 2.0 provisioning of users and groups by an identity provider, as Open
// WebUI 0.6.32's routers/scim.py. Mounted only when SCIM_ENABLED is true; the discovery documents
// are public, every other route needs the SCIM_TOKEN bearer token.
import { Elysia, t } from "elysia";
import { EmailTakenError, insertAccount } from "../auths/repository";
import type { AppContext } from "../context";
import { HttpError } from "../core/errors";
import { hashPassword } from "../auths/passwords";
import { deleteGroup, findGroup, insertGroup, listGroups, memberIds, updateGroup, type GroupRow } from "../groups/repository";
import { dropMemoryIndex, keepIndex } from "../memories/vectors";
import {
  deleteUserAndData,
  existingUserIds,
  findFirstAdmin,
  findUserByEmail,
  findUserById,
  listUsers,
  updateUser,
  type UserRow,
} from "../users/repository";
import { ScimError, requireScimToken } from "./auth";
import { LIST_RESPONSE_SCHEMA, SCHEMAS, SERVICE_PROVIDER_CONFIG, resourceTypes } from "./discovery";
import { groupPatch, quoted, userPatch } from "./patch";
import { toScimGroup, toScimUser } from "./views";

const Text = t.Optional(t.Nullable(t.String()));
const Name = t.Object({
  formatted: Text,
  familyName: Text,
  givenName: Text,
  middleName: Text,
  honorificPrefix: Text,
  honorificSuffix: Text,
});
const MultiValue = t.Object({ value: t.String(), type: Text, primary: t.Optional(t.Boolean()), display: Text });
const Member = t.Object({ value: t.String() });
const UserFields = {
  externalId: Text,
  name: t.Optional(t.Nullable(Name)),
  photos: t.Optional(t.Nullable(t.Array(MultiValue))),
};
const UserCreate = t.Object({
  ...UserFields,
  userName: t.String(),
  displayName: t.String(),
  emails: t.Array(MultiValue),
  active: t.Optional(t.Boolean()),
  password: Text,
});
const UserReplace = t.Object({
  ...UserFields,
  userName: Text,
  displayName: Text,
  emails: t.Optional(t.Nullable(t.Array(MultiValue))),
  active: t.Optional(t.Nullable(t.Boolean())),
});
const PatchBody = t.Object({
  Operations: t.Array(t.Object({ op: t.String(), path: Text, value: t.Optional(t.Unknown()) })),
});
const GroupCreate = t.Object({ displayName: t.String(), members: t.Optional(t.Nullable(t.Array(Member))) });
const GroupReplace = t.Object({ displayName: Text, members: t.Optional(t.Nullable(t.Array(Member))) });
const Pagination = t.Object({
  startIndex: t.Integer({ minimum: 1, default: 1 }),
  count: t.Integer({ minimum: 1, maximum: 100, default: 20 }),
  filter: t.Optional(t.String()),
});

type NameBody = { formatted?: string | null; givenName?: string | null; familyName?: string | null } | null | undefined;

/** `name.formatted`, else "given family"; undefined when the name object says neither. */
function nameFrom(name: NameBody): string | undefined {
  if (!name) return undefined;
  if (name.formatted) return name.formatted;
  if (name.givenName || name.familyName) return `${name.givenName ?? ""} ${name.familyName ?? ""}`.trim();
  return undefined;
}

/** Python's `request.base_url`: the origin with a trailing slash. */
function baseUrlOf(request: Request): string {
  return `${new URL(request.url).origin}/`;
}

const userNotFound = (id: string) => new HttpError(404, `User ${id} not found`);
const groupNotFound = (id: string) => new HttpError(404, `Group ${id} not found`);
const emailTaken = (email: string) => new HttpError(409, `User with email ${email} already exists`);
const tag = { detail: { tags: ["scim"] } };

export function scimRoutes(ctx: AppContext) {
  if (!ctx.env.scim.enabled) return new Elysia({ name: "scim-disabled" });

  const userView = (user: UserRow, request: Request) => toScimUser(ctx, user, baseUrlOf(request));
  const groupView = (group: GroupRow, request: Request) => toScimGroup(ctx, group, baseUrlOf(request));

  /** Applies a change to an account, refusing an e-mail another account has. */
  const changeUser = async (user: UserRow, change: Parameters<typeof updateUser>[2]) => {
    if (change.email !== undefined) {
      change.email = change.email.toLowerCase();
      const owner = await findUserByEmail(ctx.db, change.email);
      if (owner && owner.id !== user.id) throw emailTaken(change.email);
    }
    const updated = Object.keys(change).length > 0 ? await updateUser(ctx.db, user.id, change) : user;
    if (!updated) throw userNotFound(user.id);
    ctx.auth.forget(user.id);
    return updated;
  };

  /** Sets a group's name and members (unknown user ids are dropped) and forgets the members' cached rows. */
  const changeGroup = async (id: string, name: string, userIds?: string[]) => {
    const members = userIds ? await existingUserIds(ctx.db, [...new Set(userIds)]) : undefined;
    let before: string[] = [];
    const row = await updateGroup(ctx.db, id, (current) => {
      before = memberIds(current);
      return { name, ...(members ? { user_ids: members } : {}) };
    });
    if (!row) throw groupNotFound(id);
    for (const member of new Set([...before, ...memberIds(row)])) ctx.auth.forget(member);
    return row;
  };

  return (
    new Elysia({ name: "scim", prefix: "/api/v1/scim/v2" })
      // Identity providers send `application/scim+json`, which FastAPI reads as JSON too.
      .onParse(({ request, contentType }) => {
        if (contentType?.toLowerCase().split(";")[0]?.trim().endsWith("+json")) return request.json();
      })
      .get("/ServiceProviderConfig", () => SERVICE_PROVIDER_CONFIG, tag)
      .get("/ResourceTypes", ({ request }) => resourceTypes(baseUrlOf(request)), tag)
      .get("/Schemas", () => SCHEMAS, tag)
      // Before body validation, as FastAPI resolves the token dependency first.
      .onTransform(({ request }) => requireScimToken(request, ctx.env.scim.token))
      .get(
        "/Users",
        async ({ query, request }) => {
          const { users, total } = await listScimUsers(ctx, query);
          const resources = await Promise.all(users.map((user) => userView(user, request)));
          return listResponse(resources, total, query.startIndex);
        },
        { query: Pagination, ...tag },
      )
      .get(
        "/Users/:user_id",
        async ({ params, request }) => {
          const user = await findUserById(ctx.db, params.user_id);
          if (!user) throw new ScimError(404, `User ${params.user_id} not found`);
          return userView(user, request);
        },
        tag,
      )
      .post(
        "/Users",
        async ({ body, request, set }) => {
          if (await findUserByEmail(ctx.db, body.userName)) throw emailTaken(body.userName);
          const email = body.emails[0]?.value ?? body.userName;
          if (!email.trim()) throw new ScimError(400, "userName or emails must hold an e-mail address", "invalidValue");
          const user = await insertAccount(ctx.db, {
            email,
            // No password: the account signs in through the identity provider (OAuth, LDAP, header).
            passwordHash: await hashPassword(crypto.randomUUID()),
            name: nameFrom(body.name) ?? body.displayName,
            profileImageUrl: body.photos?.[0]?.value ?? "/user.png",
            role: body.active === false ? "pending" : "user",
          }).catch((error) => {
            throw error instanceof EmailTakenError ? emailTaken(email.toLowerCase()) : error;
          });
          set.status = 201;
          return userView(user, request);
        },
        { body: UserCreate, ...tag },
      )
      .put(
        "/Users/:user_id",
        async ({ params, body, request }) => {
          const user = await findUserById(ctx.db, params.user_id);
          if (!user) throw userNotFound(params.user_id);
          const change: Parameters<typeof updateUser>[2] = {};
          if (body.userName) change.email = body.userName;
          const name = body.displayName || nameFrom(body.name);
          if (name) change.name = name;
          if (body.emails?.[0]) change.email = body.emails[0].value;
          if (body.active != null) change.role = body.active ? "user" : "pending";
          if (body.photos?.[0]) change.profile_image_url = body.photos[0].value;
          return userView(await changeUser(user, change), request);
        },
        { body: UserReplace, ...tag },
      )
      .patch(
        "/Users/:user_id",
        async ({ params, body, request }) => {
          const user = await findUserById(ctx.db, params.user_id);
          if (!user) throw userNotFound(params.user_id);
          return userView(await changeUser(user, userPatch(body.Operations)), request);
        },
        { body: PatchBody, ...tag },
      )
      .delete(
        "/Users/:user_id",
        async ({ params }) => {
          if (!(await deleteUserAndData(ctx.db, params.user_id))) throw userNotFound(params.user_id);
          ctx.auth.forget(params.user_id);
          await keepIndex(ctx, "dropping a deleted user's memories", () => dropMemoryIndex(ctx, params.user_id));
          return new Response(null, { status: 204 });
        },
        tag,
      )
      .get(
        "/Groups",
        async ({ query, request }) => {
          const groups = await listGroups(ctx.db);
          const page = groups.slice(query.startIndex - 1, query.startIndex - 1 + query.count);
          const resources = await Promise.all(page.map((group) => groupView(group, request)));
          return listResponse(resources, groups.length, query.startIndex);
        },
        { query: Pagination, ...tag },
      )
      .get(
        "/Groups/:group_id",
        async ({ params, request }) => {
          const group = await findGroup(ctx.db, params.group_id);
          if (!group) throw groupNotFound(params.group_id);
          return groupView(group, request);
        },
        tag,
      )
      .post(
        "/Groups",
        async ({ body, request, set }) => {
          const admin = await findFirstAdmin(ctx.db);
          if (!admin) throw new HttpError(409, "No admin user found");
          let group = await insertGroup(ctx.db, admin.id, { name: body.displayName, description: "" });
          const members = (body.members ?? []).map((member) => member.value);
          if (members.length > 0) group = await changeGroup(group.id, group.name ?? "", members);
          set.status = 201;
          return groupView(group, request);
        },
        { body: GroupCreate, ...tag },
      )
      .put(
        "/Groups/:group_id",
        async ({ params, body, request }) => {
          const group = await findGroup(ctx.db, params.group_id);
          if (!group) throw groupNotFound(params.group_id);
          const members = body.members?.map((member) => member.value);
          return groupView(await changeGroup(group.id, body.displayName || (group.name ?? ""), members), request);
        },
        { body: GroupReplace, ...tag },
      )
      .patch(
        "/Groups/:group_id",
        async ({ params, body, request }) => {
          const group = await findGroup(ctx.db, params.group_id);
          if (!group) throw groupNotFound(params.group_id);
          const next = groupPatch(body.Operations, { name: group.name ?? "", userIds: memberIds(group) });
          return groupView(await changeGroup(group.id, next.name, next.userIds), request);
        },
        { body: PatchBody, ...tag },
      )
      .delete(
        "/Groups/:group_id",
        async ({ params }) => {
          const group = await findGroup(ctx.db, params.group_id);
          if (!group || !(await deleteGroup(ctx.db, params.group_id))) throw groupNotFound(params.group_id);
          for (const member of memberIds(group)) ctx.auth.forget(member);
          return new Response(null, { status: 204 });
        },
        tag,
      )
  );
}

/** `userName eq "<email>"` finds one account; any other filter is ignored, as in the reference. */
async function listScimUsers(ctx: AppContext, query: { startIndex: number; count: number; filter?: string }) {
  if (query.filter && query.filter.includes("userName eq")) {
    const user = await findUserByEmail(ctx.db, quoted(query.filter));
    return { users: user ? [user] : [], total: user ? 1 : 0 };
  }
  return listUsers(ctx.db, { skip: query.startIndex - 1, limit: query.count });
}

function listResponse(resources: unknown[], total: number, startIndex: number) {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults: total, itemsPerPage: resources.length, startIndex, Resources: resources };
}
