// Request bodies, ids and cache folders shared by the function and tool routes.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { t } from "elysia";
import type { AppContext } from "../context";
import { cacheDir } from "../core/env";
import { badRequest } from "../core/errors";

/** FunctionMeta / ToolMeta as sent: description and manifest; a function's meta keeps other keys too. */
export const PluginMetaBody = t.Object(
  {
    description: t.Optional(t.Nullable(t.String())),
    manifest: t.Optional(t.Nullable(t.Record(t.String(), t.Unknown()))),
  },
  { additionalProperties: t.Unknown() },
);

/** A valves form: any JSON object (the module's class validates it). */
export const ValvesBody = t.Record(t.String(), t.Unknown());

/** The id of a new function or tool: a Python identifier, stored in lower case. */
export function newPluginId(id: string): string {
  if (!/^[\p{XID_Start}_]\p{XID_Continue}*$/u.test(id)) throw badRequest("Only alphanumeric characters and underscores are allowed in the id");
  return id.toLowerCase();
}

/** `<cache dir>/functions/<id>` or `<cache dir>/tools/<id>`, made for a new plugin's own files. */
export function makeCacheFolder(ctx: AppContext, area: "functions" | "tools", id: string): void {
  try {
    mkdirSync(join(cacheDir(ctx.env), area, id), { recursive: true });
  } catch (error) {
    ctx.log.warn(`could not make the cache folder of ${area}/${id}`, error);
  }
}
