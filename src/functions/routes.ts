// /api/v1/functions, as routers/functions.py of 0.6.32: admin-managed Python plugins (pipes,
// filters, actions), loaded by the Python runtime to learn their type, manifest and valves.
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard } from "../core/auth";
import { ERROR_MESSAGES, HttpError, badRequest, defaultError } from "../core/errors";
import { flag } from "../files/routes";
import { functionsChanged } from "./changes";
import { PluginMetaBody, ValvesBody, makeCacheFolder, newPluginId } from "./forms";
import { loadPluginFromUrl } from "./load-url";
import { userValvesRoutes } from "./user-valves-routes";
import { functionSource, pythonRuntime, replaceImports, storedValves } from "./plugins";
import { PluginError, type PluginInfo } from "./python/runtime";
import {
  deleteFunction,
  findFunction,
  insertFunction,
  listFunctions,
  syncFunctions,
  toggleFunction,
  updateFunction,
  type FunctionChange,
  type FunctionRow,
} from "./repository";

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

/** FunctionWithValvesModel: with content and valves. */
function toFunctionWithValves(row: FunctionRow, valves: unknown) {
  const { meta, is_active, is_global, updated_at, created_at, ...head } = toFunctionModel(row);
  return { ...head, meta, valves, is_active, is_global, updated_at, created_at };
}

const storedValvesOrNull = (valves: unknown) => (typeof valves === "object" && valves !== null && !Array.isArray(valves) ? valves : null);

const FunctionForm = t.Object({ id: t.String(), name: t.String(), content: t.String(), meta: PluginMetaBody });
type FunctionFormData = typeof FunctionForm.static;

const SyncForm = t.Object({
  functions: t.Optional(
    t.Array(
      t.Object({
        id: t.String(),
        user_id: t.String(),
        name: t.String(),
        type: t.String(),
        content: t.String(),
        meta: PluginMetaBody,
        valves: t.Optional(t.Nullable(ValvesBody)),
        is_active: t.Optional(t.Boolean()),
        is_global: t.Optional(t.Boolean()),
        updated_at: t.Integer(),
        created_at: t.Integer(),
      }),
    ),
  ),
});

const notFound = () => new HttpError(401, ERROR_MESSAGES.NOT_FOUND);

/** FunctionMeta as pydantic dumps it: description and manifest first, then the other keys. */
function functionMetaForm(meta: FunctionFormData["meta"]): Record<string, unknown> {
  const { description, manifest, ...extra } = meta;
  return { description: description ?? null, manifest: manifest === undefined ? {} : manifest, ...extra };
}

/** The meta stored for a saved form: its manifest is the source's frontmatter. */
function metaToStore(form: FunctionFormData["meta"], info: PluginInfo): Record<string, unknown> {
  const meta: Record<string, unknown> = { ...functionMetaForm(form), manifest: info.frontmatter };
  // A filter with a switch in the chat input is marked so the model list shows it.
  if (info.type === "filter" && info.toggle) meta.toggle = true;
  return meta;
}

export function functionsRoutes(ctx: AppContext) {
  const changed = <T>(value: T): T => {
    functionsChanged(ctx);
    return value;
  };

  /** Loads source for a function; a module that does not load deactivates a stored function. */
  const load = async (id: string, content: string): Promise<PluginInfo> => {
    try {
      return await pythonRuntime(ctx).load(functionSource({ id, content }));
    } catch (error) {
      if (error instanceof PluginError && (await updateFunction(ctx.db, id, { is_active: false }))) functionsChanged(ctx);
      throw badRequest(defaultError(error));
    }
  };

  /** The stored function loaded, its old-style imports rewritten (and saved) first. */
  const loadStored = async (row: FunctionRow): Promise<PluginInfo> => {
    const content = replaceImports(row.content);
    if (content !== row.content && (await updateFunction(ctx.db, row.id, { content }))) functionsChanged(ctx);
    return load(row.id, content);
  };

  const existing = async (id: string): Promise<FunctionRow> => {
    const row = await findFunction(ctx.db, id);
    if (!row) throw notFound();
    return row;
  };

  /** Validates valves with the module's class; its complaint is a 400. */
  const validated = async (id: string, content: string, which: "Valves" | "UserValves", data: Record<string, unknown>) => {
    try {
      return await pythonRuntime(ctx).validate(functionSource({ id, content }), which, data);
    } catch (error) {
      throw badRequest(defaultError(error));
    }
  };

  const change = async (id: string, update: FunctionChange) => {
    const row = await updateFunction(ctx.db, id, update);
    if (!row) throw badRequest(defaultError("Error updating function"));
    return changed(row);
  };

  const toggle = async (id: string, which: "is_active" | "is_global") => {
    const row = await toggleFunction(ctx.db, id, which);
    if (!row) throw notFound();
    return toFunctionModel(changed(row));
  };

  return new Elysia({ name: "functions", prefix: "/api/v1/functions" })
    .use(authGuard(ctx))
    .get("/", async () => (await listFunctions(ctx.db)).map(toFunctionResponse), {
      auth: "verified",
      detail: { tags: ["functions"] },
    })
    .get(
      "/export",
      async ({ query }) => {
        const rows = await listFunctions(ctx.db);
        return flag(query.include_valves, false, "include_valves")
          ? rows.map((row) => toFunctionWithValves(row, storedValvesOrNull(row.valves)))
          : rows.map(toFunctionModel);
      },
      { auth: "admin", query: t.Object({ include_valves: t.Optional(t.String()) }), detail: { tags: ["functions"] } },
    )
    .post("/load/url", ({ body }) => loadPluginFromUrl(ctx, body.url, "function"), {
      auth: "admin",
      body: t.Object({ url: t.String() }),
      detail: { tags: ["functions"] },
    })
    .post(
      "/sync",
      async ({ user, body }) => {
        const functions = (body.functions ?? []).map((f) => ({ ...f, content: replaceImports(f.content) }));
        for (const given of functions) {
          const info = await load(given.id, given.content);
          if (info.valves_spec && given.valves && Object.keys(given.valves).length > 0) {
            await validated(given.id, given.content, "Valves", given.valves);
          }
        }
        const rows = await syncFunctions(
          ctx.db,
          user.id,
          functions.map((f) => ({
            ...f,
            meta: functionMetaForm(f.meta),
            valves: f.valves ?? null,
            is_active: f.is_active ?? false,
            is_global: f.is_global ?? false,
          })),
        );
        // As the reference: the rows come back without their valves.
        return changed(rows.map((row) => toFunctionWithValves(row, null)));
      },
      { auth: "admin", body: SyncForm, detail: { tags: ["functions"] } },
    )
    .post(
      "/create",
      async ({ user, body }) => {
        const id = newPluginId(body.id);
        if (await findFunction(ctx.db, id)) throw badRequest(ERROR_MESSAGES.ID_TAKEN);
        const content = replaceImports(body.content);
        const info = await load(id, content);
        const at = Math.floor(Date.now() / 1000);
        const created = await insertFunction(ctx.db, {
          id,
          user_id: user.id,
          name: body.name,
          type: info.type,
          content,
          meta: metaToStore(body.meta, info),
          valves: null,
          is_active: false,
          is_global: false,
          updated_at: at,
          created_at: at,
        });
        if (created === "taken") throw badRequest(ERROR_MESSAGES.ID_TAKEN);
        makeCacheFolder(ctx, "functions", id);
        return toFunctionResponse(changed(created));
      },
      { auth: "admin", body: FunctionForm, detail: { tags: ["functions"] } },
    )
    .get("/id/:id", async ({ params }) => toFunctionModel(await existing(params.id)), {
      auth: "admin",
      detail: { tags: ["functions"] },
    })
    .post("/id/:id/toggle", ({ params }) => toggle(params.id, "is_active"), { auth: "admin", detail: { tags: ["functions"] } })
    .post("/id/:id/toggle/global", ({ params }) => toggle(params.id, "is_global"), { auth: "admin", detail: { tags: ["functions"] } })
    .post(
      "/id/:id/update",
      async ({ params, body }) => {
        await existing(params.id);
        const content = replaceImports(body.content);
        const info = await load(params.id, content);
        const row = await change(params.id, { name: body.name, content, meta: metaToStore(body.meta, info), type: info.type });
        return toFunctionModel(row);
      },
      { auth: "admin", body: FunctionForm, detail: { tags: ["functions"] } },
    )
    .delete(
      "/id/:id/delete",
      async ({ params }) => {
        await deleteFunction(ctx.db, params.id);
        return changed(true);
      },
      { auth: "admin", detail: { tags: ["functions"] } },
    )
    .get("/id/:id/valves", async ({ params }) => storedValves((await existing(params.id)).valves), {
      auth: "admin",
      detail: { tags: ["functions"] },
    })
    .get("/id/:id/valves/spec", async ({ params }) => (await loadStored(await existing(params.id))).valves_spec, {
      auth: "admin",
      detail: { tags: ["functions"] },
    })
    .post(
      "/id/:id/valves/update",
      async ({ params, body }) => {
        const row = await existing(params.id);
        if (!(await loadStored(row)).valves_spec) throw notFound();
        const valves = await validated(row.id, replaceImports(row.content), "Valves", body);
        await change(row.id, { valves });
        return valves;
      },
      { auth: "admin", body: ValvesBody, detail: { tags: ["functions"] } },
    )
    .use(
      userValvesRoutes(ctx, "functions", {
        find: existing,
        load: loadStored,
        validate: (row, data) => validated(row.id, replaceImports(row.content), "UserValves", data),
      }),
    );
}
