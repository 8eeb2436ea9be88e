// /api/v1/tools, read side: the tool table and the admin's OpenAPI tool servers with Open WebUI's
// access control, as routers/tools.py of 0.6.32. Creating, changing and running tools (Python
// plugins) and their valves are absent.
import { Elysia } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { accessControlView, adminBypassEnabled, callerOf, ownersById } from "../core/caller";
import { ERROR_MESSAGES, HttpError } from "../core/errors";
import type { UserRow } from "../users/repository";
import { listAllTools, listToolsFor, readTool, type ToolRow } from "./repository";
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
function toToolResponse(row: ToolRow) {
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

export function toolsRoutes(ctx: AppContext) {
  const bypass = adminBypassEnabled(ctx);
  const seesAll = (user: UserRow) => user.role === "admin" && bypass;
  const rowsFor = async (user: UserRow, type: "read" | "write") =>
    seesAll(user) ? listAllTools(ctx.db) : listToolsFor(ctx.db, await callerOf(ctx, user), type);

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
        if (result === "not_found") throw new HttpError(401, ERROR_MESSAGES.NOT_FOUND);
        // As the reference: a tool the caller may not read answers null.
        return result === "forbidden" ? null : toToolModel(result);
      },
      { auth: "verified", detail: { tags: ["tools"] } },
    );
}
