// /api/v1/functions, read side, as routers/functions.py of 0.6.32. Creating, toggling, syncing
// and running functions (Python plugins) and their valves are absent.
import { Elysia } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { ERROR_MESSAGES, HttpError } from "../core/errors";
import { findFunction, listFunctions, type FunctionRow } from "./repository";

/** FunctionMeta keeps every key; description defaults to null and manifest to {}. */
function functionMeta(meta: unknown) {
  const value = typeof meta === "object" && meta !== null && !Array.isArray(meta) ? (meta as Record<string, unknown>) : {};
  return { ...value, description: value.description ?? null, manifest: "manifest" in value ? value.manifest ?? null : {} };
}

/** FunctionResponse: the row without content and valves. */
export function toFunctionResponse(row: FunctionRow) {
  return {
    id: row.id,
    user_id: row.user_id,
    type: row.type,
    name: row.name,
    meta: functionMeta(row.meta),
    is_active: Boolean(row.is_active),
    is_global: Boolean(row.is_global),
    updated_at: row.updated_at,
    created_at: row.created_at,
  };
}

/** FunctionModel: with content. */
export function toFunctionModel(row: FunctionRow) {
  const { id, user_id, type, name, ...rest } = toFunctionResponse(row);
  return { id, user_id, name, type, content: row.content, ...rest };
}

export function functionsRoutes(ctx: AppContext) {
  return new Elysia({ name: "functions", prefix: "/api/v1/functions" })
    .use(authGuard(ctx))
    .get("/", async () => (await listFunctions(ctx.db)).map(toFunctionResponse), {
      auth: "verified",
      detail: { tags: ["functions"] },
    })
    .get(
      "/id/:id",
      async ({ params }) => {
        const row = await findFunction(ctx.db, params.id);
        if (!row) throw new HttpError(401, ERROR_MESSAGES.NOT_FOUND);
        return toFunctionModel(row);
      },
      { auth: "admin", detail: { tags: ["functions"] } },
    );
}
