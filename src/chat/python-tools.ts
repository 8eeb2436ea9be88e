// Tools of the `tool` table (Python) in a chat (the `else` branch of get_tools): each public
// method of the tool's class is offered by its stored spec and called in the Python runner with
// the tool's valves, the user's valves for it and the dunder arguments it declares. A call that
// raises answers its error text, as the reference does.
import type { AppContext } from "../context";
import { callerOf } from "../core/caller";
import { pythonRuntime, storedValves, toolSource, userValvesOf } from "../functions/plugins";
import type { PluginEvents } from "../functions/python/runtime";
import { readTool, type ToolRow } from "../tools/repository";
import type { ToolSpec } from "../tools/openapi";
import type { UserRow } from "../users/repository";
import { toUserModel } from "../users/views";
import { isRecord, type Json } from "./payload";
import type { ChatTool } from "./tools";

/** What a tool's code may ask for about the chat it runs in. */
export interface ToolContext {
  metadata?: Json;
  messages?: unknown;
  model?: Json;
  events?: PluginEvents;
}

/** The spec as the model sees it: no reserved (`__…`) parameters, JSON type names. */
function offeredSpec(spec: Json): ToolSpec | null {
  if (typeof spec.name !== "string") return null;
  const parameters = isRecord(spec.parameters) ? spec.parameters : { type: "object", properties: {} };
  const properties = isRecord(parameters.properties) ? parameters.properties : {};
  const kept = Object.entries(properties)
    .filter(([key]) => !key.startsWith("__"))
    .map(([key, value]) => [key, isRecord(value) && value.type === "str" ? { ...value, type: "string" } : value]);
  return { name: spec.name, description: spec.description ?? spec.name, parameters: { ...parameters, properties: Object.fromEntries(kept) } };
}

function extrasFor(row: ToolRow, user: UserRow, context: ToolContext): Json {
  const metadata = context.metadata ?? {};
  return {
    __id__: row.id,
    __user__: toUserModel(user),
    __metadata__: metadata,
    __messages__: context.messages ?? [],
    __files__: metadata.files ?? [],
    __model__: context.model ?? null,
    __chat_id__: metadata.chat_id ?? null,
    __message_id__: metadata.message_id ?? null,
    __session_id__: metadata.session_id ?? null,
    __oauth_token__: null,
  };
}

/** The rows of the Python tools among `toolIds` (tool servers left out) that the user may read. */
export async function readablePythonTools(ctx: AppContext, toolIds: unknown, user: UserRow): Promise<ToolRow[]> {
  const ids = Array.isArray(toolIds) ? toolIds.filter((id): id is string => typeof id === "string" && !id.startsWith("server:")) : [];
  if (ids.length === 0) return [];
  const caller = await callerOf(ctx, user);
  const rows: ToolRow[] = [];
  for (const id of ids) {
    const row = await readTool(ctx.db, caller, id);
    if (row !== "not_found" && row !== "forbidden") rows.push(row);
  }
  return rows;
}

/** The Python tools among `toolIds` that the user may read, as chat tools by function name. */
export async function pythonChatTools(ctx: AppContext, toolIds: string[], user: UserRow, context: ToolContext): Promise<[string, ChatTool][]> {
  const found: [string, ChatTool][] = [];
  for (const row of await readablePythonTools(ctx, toolIds, user)) {
    const id = row.id;
    const specs = Array.isArray(row.specs) ? row.specs.filter(isRecord) : [];
    for (const stored of specs) {
      const spec = offeredSpec(stored);
      if (!spec) continue;
      found.push([spec.name, { toolId: id, spec, type: "python", call: (params) => callTool(ctx, row, spec.name, params, user, context) }]);
    }
  }
  return found;
}

async function callTool(ctx: AppContext, row: ToolRow, method: string, params: Json, user: UserRow, context: ToolContext) {
  try {
    const data = await pythonRuntime(ctx).call(toolSource(row), {
      method,
      args: params,
      extras: extrasFor(row, user, context),
      valves: storedValves(row.valves),
      userValves: userValvesOf(user, "tools", row.id),
      events: context.events,
    });
    return { data, headers: null };
  } catch (error) {
    return { data: error instanceof Error ? error.message : String(error), headers: null };
  }
}
