// /api/v1/models: workspace model rows (presets and base-model overrides), as routers/models.py.
// Ids travel in the query string (`?id=`) because they may contain "/".
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { groupsOf, hasPermission } from "../core/access";
import { authGuard } from "../core/auth";
import { ERROR_MESSAGES, HttpError, json } from "../core/errors";
import { serveStatic } from "../system/static";
import type { UserRow } from "../users/repository";
import { queryFlag } from "../chat/payload";
import { catalogFor } from "./catalog";
import {
  deleteAllModelRows,
  deleteModelRow,
  findModelRow,
  findModelRowForUser,
  importModelRows,
  insertModelRow,
  listBaseModelRows,
  listPresets,
  listPresetsWritableBy,
  syncModelRows,
  toggleModelRow,
  updateModelRow,
  type ModelForm,
  type ModelRow,
} from "./repository";

const Meta = t.Object(
  {
    profile_image_url: t.Optional(t.Nullable(t.String())),
    description: t.Optional(t.Nullable(t.String())),
    capabilities: t.Optional(t.Nullable(t.Record(t.String(), t.Any()))),
  },
  { additionalProperties: t.Unknown() },
);

const Params = t.Object({}, { additionalProperties: t.Unknown() });

const ModelFormBody = t.Object({
  id: t.String(),
  base_model_id: t.Optional(t.Nullable(t.String())),
  name: t.String(),
  meta: Meta,
  params: Params,
  access_control: t.Optional(t.Nullable(t.Object({}, { additionalProperties: t.Unknown() }))),
  is_active: t.Optional(t.Boolean()),
});

const ModelRowBody = t.Object({
  id: t.String(),
  user_id: t.String(),
  base_model_id: t.Optional(t.Nullable(t.String())),
  name: t.String(),
  meta: Meta,
  params: Params,
  access_control: t.Optional(t.Nullable(t.Object({}, { additionalProperties: t.Unknown() }))),
  is_active: t.Boolean(),
  updated_at: t.Integer(),
  created_at: t.Integer(),
});

const IdQuery = t.Object({ id: t.String() });

const DEFAULT_ERROR = (text: string) => `[ERROR: ${text}]`;

export function modelsRoutes(ctx: AppContext) {
  const catalog = catalogFor(ctx);
  const bypassAdmin = () => catalog.settings.bypassAdminAccess;
  const caller = async (user: UserRow) => ({
    id: user.id,
    bypass: user.role === "admin" && bypassAdmin(),
    groupIds: (await groupsOf(ctx.db, user.id)).map((g) => g.id),
  });
  /** Row + whether the caller may write it (owner, write grant, or any admin). */
  const forWrite = async (id: string, user: UserRow) => {
    const found = await findModelRowForUser(ctx.db, id, { ...(await caller(user)), bypass: user.role === "admin" }, "write");
    if (!found) throw new HttpError(401, ERROR_MESSAGES.NOT_FOUND);
    return found;
  };
  const changed = <T>(value: T): T => {
    catalog.invalidateRows();
    return value;
  };

  return new Elysia({ name: "models", prefix: "/api/v1/models" })
    .use(authGuard(ctx))
    .get(
      "/",
      async ({ user, request, query, set }) => {
        // "/api/v1/models" (no slash) is the OpenAI-style alias of /api/models; the router's
        // own list lives at "/api/v1/models/". The framework matches both here.
        if (!new URL(request.url).pathname.endsWith("/")) {
          set.headers["content-type"] = "application/json";
          return catalog.listJson(user, { force: queryFlag(query.refresh), user });
        }
        if (user.role === "admin" && bypassAdmin()) return listPresets(ctx.db);
        const groups = await groupsOf(ctx.db, user.id);
        return listPresetsWritableBy(
          ctx.db,
          user.id,
          groups.map((g) => g.id),
        );
      },
      { auth: "verified", query: t.Object({ refresh: t.Optional(t.String()) }), detail: { tags: ["models"] } },
    )
    .get("/base", () => listBaseModelRows(ctx.db), { auth: "admin", detail: { tags: ["models"] } })
    .post(
      "/create",
      async ({ body, user }) => {
        if (user.role !== "admin") {
          const groups = await groupsOf(ctx.db, user.id);
          if (!hasPermission(ctx.config.get("USER_PERMISSIONS"), groups, "workspace.models")) {
            throw new HttpError(401, ERROR_MESSAGES.UNAUTHORIZED);
          }
        }
        const row = await insertModelRow(ctx.db, body as ModelForm, user.id);
        if (!row) throw new HttpError(401, ERROR_MESSAGES.MODEL_ID_TAKEN);
        return changed(row);
      },
      { auth: "verified", body: ModelFormBody, detail: { tags: ["models"] } },
    )
    .get(
      "/export",
      async () => (await listPresets(ctx.db)).map(({ user: _owner, ...row }) => row),
      { auth: "admin", detail: { tags: ["models"] } },
    )
    .post(
      "/import",
      async ({ body, user }) => {
        const forms: ModelForm[] = [];
        for (const [i, item] of body.models.entries()) {
          if (typeof item.id !== "string" || !item.id) continue;
          const existing = await findModelRow(ctx.db, item.id);
          const merged = { ...(existing ?? {}), ...item, meta: item.meta ?? existing?.meta ?? {}, params: item.params ?? existing?.params ?? {} };
          if (typeof merged.name !== "string") throw new HttpError(400, `models.${i}.name: Field required`);
          if (typeof merged.meta !== "object" || merged.meta === null || typeof merged.params !== "object" || merged.params === null) {
            throw new HttpError(400, `models.${i}: meta and params must be objects`);
          }
          forms.push(merged as ModelForm);
        }
        await importModelRows(ctx.db, forms, user.id);
        return changed(true);
      },
      {
        auth: "admin",
        body: t.Object({ models: t.Array(t.Record(t.String(), t.Any())) }),
        detail: { tags: ["models"] },
      },
    )
    .post(
      "/sync",
      async ({ body, user }) => changed(await syncModelRows(ctx.db, (body.models ?? []) as ModelRow[], user.id)),
      { auth: "admin", body: t.Object({ models: t.Optional(t.Array(ModelRowBody)) }), detail: { tags: ["models"] } },
    )
    .get(
      "/model",
      async ({ query, user }) => {
        const found = await findModelRowForUser(ctx.db, query.id, await caller(user), "read");
        if (!found) throw new HttpError(401, ERROR_MESSAGES.NOT_FOUND);
        return found.allowed ? found.row : json(200, null);
      },
      { auth: "verified", query: IdQuery, detail: { tags: ["models"] } },
    )
    .get(
      "/model/profile/image",
      async ({ query }) => {
        const row = await findModelRow(ctx.db, query.id);
        const url = row?.meta.profile_image_url;
        if (typeof url === "string" && url.startsWith("http")) {
          return new Response(null, { status: 302, headers: { location: url } });
        }
        if (typeof url === "string" && url.startsWith("data:image")) {
          const image = decodeDataUrl(url);
          if (image) {
            return new Response(image, {
              headers: { "content-type": "image/png", "content-disposition": "inline; filename=image.png" },
            });
          }
        }
        return serveStatic(ctx.env, "favicon.png") ?? new Response("Not Found", { status: 404 });
      },
      { auth: "verified", query: IdQuery, detail: { tags: ["models"] } },
    )
    .post(
      "/model/toggle",
      async ({ query, user }) => {
        const found = await forWrite(query.id, user);
        if (!found.allowed) throw new HttpError(401, ERROR_MESSAGES.UNAUTHORIZED);
        const row = await toggleModelRow(ctx.db, query.id);
        if (!row) throw new HttpError(400, DEFAULT_ERROR("Error updating function"));
        return changed(row);
      },
      { auth: "verified", query: IdQuery, detail: { tags: ["models"] } },
    )
    .post(
      "/model/update",
      async ({ query, body, user }) => {
        const found = await forWrite(query.id, user);
        if (!found.allowed) throw new HttpError(400, ERROR_MESSAGES.ACCESS_PROHIBITED);
        return changed(await updateModelRow(ctx.db, query.id, body as ModelForm));
      },
      { auth: "verified", query: IdQuery, body: ModelFormBody, detail: { tags: ["models"] } },
    )
    .delete(
      "/model/delete",
      async ({ query, user }) => {
        const found = await forWrite(query.id, user);
        if (!found.allowed) throw new HttpError(401, ERROR_MESSAGES.UNAUTHORIZED);
        await deleteModelRow(ctx.db, query.id);
        return changed(true);
      },
      { auth: "verified", query: IdQuery, detail: { tags: ["models"] } },
    )
    .delete(
      "/delete/all",
      async () => {
        await deleteAllModelRows(ctx.db);
        return changed(true);
      },
      { auth: "admin", detail: { tags: ["models"] } },
    );
}

function decodeDataUrl(url: string): Uint8Array | null {
  const comma = url.indexOf(",");
  if (comma === -1) return null;
  try {
    return Uint8Array.from(atob(url.slice(comma + 1)), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
