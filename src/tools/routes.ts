// /api/v1/tools: the tool table (Python toolkits, loaded by the Python runtime for their specs
// and valves) and the admin's OpenAPI tool servers, with Open WebUI's access control, as
// routers/tools.py of 0.6.32.
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { AccessControlBody, accessControlView, adminBypassEnabled, callerOf, ownersById, permitted, type Caller } from "../core/caller";
import { ERROR_MESSAGES, HttpError, badRequest, defaultError } from "../core/errors";
import { PluginMetaBody, ValvesBody, makeCacheFolder, newPluginId } from "../functions/forms";
import { loadPluginFromUrl } from "../functions/load-url";
import { pythonRuntime, replaceImports, storedValves, toolSource } from "../functions/plugins";
import { userValvesRoutes } from "../functions/user-valves-routes";
import type { PluginInfo } from "../functions/python/runtime";
import type { UserRow } from "../users/repository";
import {
  deleteTool,
  findTool,
  insertTool,
  listAllTools,
  listToolsFor,
  mayWriteTool,
  readTool,
  updateTool,
  type Refusal,
  type ToolRow,
} from "./repository";
import { mayUseServer, serverAccessControl, toolServersFor, type ToolServerData } from "./servers";
import { isRecord } from "./openapi";

/** ToolMeta: only description and manifest (manifest defaults to {}). */
function toolMeta(meta: unknown) {
  const value = typeof meta === "object" && meta !== null ? (meta as Record<string, unknown>) : {};
  return {
    description: typeof value.description === "string" ? value.description : null,
    manifest: "manifest" in value ? value.manifest ?? null : {},
  };
}

/** ToolModel: the whole row but valves. */
export function toToolModel(row: ToolRow) {
  return {
    id: row.id,
    user_id: row.user_id,
    name: row.name,
    content: row.content,
    specs: Array.isArray(row.specs) ? row.specs : [],
    meta: toolMeta(row.meta),
    access_control: accessControlView(row.access_control),
    updated_at: row.updated_at,
    created_at: row.created_at,
  };
}

/** ToolResponse: without content and specs. */
export function toToolResponse(row: ToolRow) {
  return {
    id: row.id,
    user_id: row.user_id,
    name: row.name,
    meta: toolMeta(row.meta),
    access_control: accessControlView(row.access_control),
    updated_at: row.updated_at,
    created_at: row.created_at,
  };
}

/**
 * Whether the tool's `Tools` class declares a `UserValves` class. The reference imports the module
 * to ask; here the source is read: a class of that name defined inside another class.
 */
export function declaresUserValves(content: string): boolean {
  return /^[ \t]+class[ \t]+UserValves\b/m.test(content);
}

/** A tool server as a ToolUserResponse entry (`server:<id>`). */
function serverEntry(ctx: AppContext, server: ToolServerData) {
  const info = isRecord(server.openapi.info) ? server.openapi.info : {};
  const now = Math.floor(Date.now() / 1000);
  return {
    id: `server:${server.id}`,
    user_id: `server:${server.id}`,
    name: typeof info.title === "string" ? info.title : "Tool Server",
    meta: { description: typeof info.description === "string" ? info.description : "", manifest: {} },
    access_control: accessControlView(serverAccessControl(ctx, server)),
    updated_at: now,
    created_at: now,
    user: null,
  };
}

const ToolForm = t.Object({
  id: t.String(),
  name: t.String(),
  content: t.String(),
  meta: PluginMetaBody,
  access_control: t.Optional(AccessControlBody),
});
type ToolFormData = typeof ToolForm.static;

/** ToolMeta as stored: the description sent and the source's frontmatter as manifest. */
const metaToStore = (form: ToolFormData["meta"], info: PluginInfo) => ({ description: form.description ?? null, manifest: info.frontmatter });

const notFound = () => new HttpError(401, ERROR_MESSAGES.NOT_FOUND);

export function toolsRoutes(ctx: AppContext) {
  const bypass = adminBypassEnabled(ctx);
  const seesAll = (user: UserRow) => user.role === "admin" && bypass;
  const rowsFor = async (user: UserRow, type: "read" | "write") =>
    seesAll(user) ? listAllTools(ctx.db) : listToolsFor(ctx.db, await callerOf(ctx, user), type);

  const load = async (id: string, content: string): Promise<PluginInfo> => {
    try {
      return await pythonRuntime(ctx).load(toolSource({ id, content }));
    } catch (error) {
      throw badRequest(defaultError(error));
    }
  };

  /** The stored tool loaded, its old-style imports rewritten (and saved) first. */
  const loadStored = async (row: ToolRow): Promise<PluginInfo> => {
    const content = replaceImports(row.content);
    if (content !== row.content) await updateTool(ctx.db, null, row.id, { content });
    return load(row.id, content);
  };

  const validated = async (row: ToolRow, which: "Valves" | "UserValves", data: Record<string, unknown>) => {
    try {
      return await pythonRuntime(ctx).validate(toolSource({ id: row.id, content: replaceImports(row.content) }), which, data);
    } catch (error) {
      throw badRequest(defaultError(error));
    }
  };

  const existing = async (id: string): Promise<ToolRow> => {
    const row = await findTool(ctx.db, id);
    if (!row) throw notFound();
    return row;
  };

  /** The tool, if the caller may change it (owner, write grant, admin). */
  const writable = async (caller: Caller, id: string, refusal = new HttpError(401, ERROR_MESSAGES.UNAUTHORIZED)): Promise<ToolRow> => {
    const row = await existing(id);
    if (!mayWriteTool(caller, row)) throw refusal;
    return row;
  };

  const refuse = (refusal: Refusal): never => {
    throw refusal === "not_found" ? notFound() : new HttpError(401, ERROR_MESSAGES.UNAUTHORIZED);
  };

  return new Elysia({ name: "tools", prefix: "/api/v1/tools" })
    .use(authGuard(ctx))
    .get(
      "/",
      async ({ user }) => {
        const [rows, servers] = await Promise.all([rowsFor(user, "read"), toolServersFor(ctx).list()]);
        const owners = await ownersById(ctx.db, rows.map((r) => r.user_id));
        const tools: unknown[] = rows.map((row) => {
          const model = toToolModel(row);
          return {
            ...toToolResponse(row),
            user: owners.get(row.user_id) ?? null,
            content: model.content,
            specs: model.specs,
            has_user_valves: declaresUserValves(row.content),
          };
        });
        const caller = servers.length > 0 ? await callerOf(ctx, user) : null;
        for (const server of servers) if (caller && mayUseServer(ctx, caller, server, bypass)) tools.push(serverEntry(ctx, server));
        return tools;
      },
      { auth: "verified", detail: { tags: ["tools"] } },
    )
    .get(
      "/list",
      async ({ user }) => {
        const rows = await rowsFor(user, "write");
        const owners = await ownersById(ctx.db, rows.map((r) => r.user_id));
        return rows.map((row) => ({ ...toToolResponse(row), user: owners.get(row.user_id) ?? null }));
      },
      { auth: "verified", detail: { tags: ["tools"] } },
    )
    .get(
      "/id/:id",
      async ({ user, params }) => {
        const result = await readTool(ctx.db, await callerOf(ctx, user), params.id);
        if (result === "not_found") throw notFound();
        // As the reference: a tool the caller may not read answers null.
        return result === "forbidden" ? null : toToolModel(result);
      },
      { auth: "verified", detail: { tags: ["tools"] } },
    )
    .post("/load/url", ({ body }) => loadPluginFromUrl(ctx, body.url, "tool"), {
      auth: "admin",
      body: t.Object({ url: t.String() }),
      detail: { tags: ["tools"] },
    })
    .get("/export", async () => (await listAllTools(ctx.db)).map(toToolModel), { auth: "admin", detail: { tags: ["tools"] } })
    .post(
      "/create",
      async ({ user, body }) => {
        if (user.role !== "admin" && !permitted(await callerOf(ctx, user), "workspace.tools")) {
          throw new HttpError(401, ERROR_MESSAGES.UNAUTHORIZED);
        }
        const id = newPluginId(body.id);
        if (await findTool(ctx.db, id)) throw badRequest(ERROR_MESSAGES.ID_TAKEN);
        const content = replaceImports(body.content);
        const info = await load(id, content);
        const at = Math.floor(Date.now() / 1000);
        const created = await insertTool(ctx.db, {
          id,
          user_id: user.id,
          name: body.name,
          content,
          specs: info.specs ?? [],
          meta: metaToStore(body.meta, info),
          valves: null,
          access_control: body.access_control ?? null,
          updated_at: at,
          created_at: at,
        });
        if (created === "taken") throw badRequest(ERROR_MESSAGES.ID_TAKEN);
        makeCacheFolder(ctx, "tools", id);
        return toToolResponse(created);
      },
      { auth: "verified", body: ToolForm, detail: { tags: ["tools"] } },
    )
    .post(
      "/id/:id/update",
      async ({ user, params, body }) => {
        const caller = await callerOf(ctx, user);
        await writable(caller, params.id);
        const content = replaceImports(body.content);
        const info = await load(params.id, content);
        const result = await updateTool(ctx.db, caller, params.id, {
          name: body.name,
          content,
          meta: metaToStore(body.meta, info),
          access_control: body.access_control ?? null,
          specs: info.specs ?? [],
        });
        return typeof result === "string" ? refuse(result) : toToolModel(result);
      },
      { auth: "verified", body: ToolForm, detail: { tags: ["tools"] } },
    )
    .delete(
      "/id/:id/delete",
      async ({ user, params }) => {
        const result = await deleteTool(ctx.db, await callerOf(ctx, user), params.id);
        return result === true ? true : refuse(result);
      },
      { auth: "verified", detail: { tags: ["tools"] } },
    )
    .get(
      "/id/:id/valves",
      async ({ user, params }) => {
        // The valves hold the tool's secrets (API keys): only who may change the tool reads them.
        const row = await writable(await callerOf(ctx, user), params.id, new HttpError(401, ERROR_MESSAGES.ACCESS_PROHIBITED));
        return storedValves(row.valves);
      },
      { auth: "verified", detail: { tags: ["tools"] } },
    )
    .get("/id/:id/valves/spec", async ({ params }) => (await loadStored(await existing(params.id))).valves_spec, {
      auth: "verified",
      detail: { tags: ["tools"] },
    })
    .post(
      "/id/:id/valves/update",
      async ({ user, params, body }) => {
        const caller = await callerOf(ctx, user);
        const row = await writable(caller, params.id, badRequest(ERROR_MESSAGES.ACCESS_PROHIBITED));
        if (!(await loadStored(row)).valves_spec) throw notFound();
        const valves = await validated(row, "Valves", body);
        const result = await updateTool(ctx.db, caller, row.id, { valves });
        return typeof result === "string" ? refuse(result) : valves;
      },
      { auth: "verified", body: ValvesBody, detail: { tags: ["tools"] } },
    )
    .use(userValvesRoutes(ctx, "tools", { find: existing, load: loadStored, validate: (row, data) => validated(row, "UserValves", data) }));
}
