// Tools in chat completions (get_tools, process_tool_result, chat_completion_tools_handler of the
// reference), for the admin's OpenAPI tool servers named in `tool_ids` as `server:<id>` and the
// user's own servers of `tool_servers` (direct-tools.ts), and the Python tools of the `tool` table
// (python-tools.ts).
//
// Default function calling asks the task model which tools to call (a JSON answer
// {"tool_calls": [{"name", "parameters"}]}), calls them, and returns their results as sources that
// become the context of the reply. Native function calling sends the specs upstream as `tools`;
// the reply's tool calls are run by the streaming code (see native-tools.ts).
import type { AppContext } from "../context";
import { adminBypassEnabled, callerOf } from "../core/caller";
import type { ModelCatalog } from "../models/catalog";
import type { CallerCredentials } from "../openai/connections";
import { readUpstreamSettings } from "../core/upstream";
import { jsonObjectIn, taskModelId } from "../tasks/generate";
import { contentText, lastUserMessage, type ChatMessage } from "../tasks/prompt";
import { TOOLS_FUNCTION_CALLING_TEMPLATE } from "../tasks/templates";
import { executeToolServer, type ToolServerAnswer } from "../tools/execute";
import type { ToolSpec } from "../tools/openapi";
import { mayUseServer, toolServerConnections, toolServersFor, type ToolServerConnection, type ToolServerData } from "../tools/servers";
import type { UserRow } from "../users/repository";
import { dispatchCompletion } from "./dispatch";
import { pythonChatTools, type ToolContext } from "./python-tools";
import { isRecord, type Json } from "./payload";

export interface ChatTool {
  /** The tool id the request named (`server:<id>`); empty for the user's own servers. */
  toolId: string;
  spec: ToolSpec;
  /** "direct": one of the user's own servers, run by their browser (see direct-tools.ts); "python": a tool of the `tool` table. */
  type: "external" | "direct" | "python";
  call(params: Json): Promise<ToolServerAnswer>;
}

export type ChatTools = Map<string, ChatTool>;

/** What a tool call gives the model and the message: text, and files or embeds to show. */
export interface ToolResult {
  content: string;
  files: Json[];
  embeds: unknown[];
}

/** `server:<id>`, `server:openapi:<id>`, with an optional `|fn1,fn2` suffix → the server id. */
function serverIdOf(toolId: string): string | null {
  if (!toolId.startsWith("server:")) return null;
  const parts = toolId.split(":");
  let id: string;
  if (parts.length === 2) id = parts[1] as string;
  else if (parts.length === 3 && parts[1] === "openapi") id = parts[2] as string;
  else return null;
  return id.split("|")[0] as string;
}

/** The headers a call to the server carries, per its auth_type (bearer by default). */
function serverHeaders(connection: ToolServerConnection, credentials: CallerCredentials): Record<string, string> {
  const headers: Record<string, string> = {};
  const authType = "auth_type" in connection ? connection.auth_type : "bearer";
  if (authType === "bearer") headers.Authorization = `Bearer ${typeof connection.key === "string" ? connection.key : ""}`;
  else if (authType === "session") {
    if (credentials.cookie) headers.Cookie = credentials.cookie;
    headers.Authorization = `Bearer ${credentials.token ?? ""}`;
  }
  // "system_oauth" would send the user's OAuth token, which this server does not hold.
  headers["Content-Type"] = "application/json";
  return headers;
}

/** The tools of the servers named in `toolIds` that the user may use, by function name. */
export async function resolveChatTools(
  ctx: AppContext,
  toolIds: string[],
  user: UserRow,
  credentials: CallerCredentials = {},
  context: ToolContext = {},
): Promise<ChatTools> {
  const tools: ChatTools = new Map();
  for (const [name, tool] of await pythonChatTools(ctx, toolIds, user, context)) {
    let unique = name;
    while (tools.has(unique)) unique = `${tool.toolId}_${unique}`;
    tools.set(unique, tool);
  }
  const wanted = toolIds.map((id) => [id, serverIdOf(id)] as const).filter((pair): pair is [string, string] => pair[1] !== null);
  if (wanted.length === 0) return tools;
  const servers = await toolServersFor(ctx).list();
  const connections = toolServerConnections(ctx);
  const caller = await callerOf(ctx, user);
  const bypass = adminBypassEnabled(ctx);
  const timeoutMs = readUpstreamSettings(ctx.env.raw).requestTimeoutMs;
  for (const [toolId, id] of wanted) {
    const server = servers.find((s) => s.id === id);
    if (!server) {
      ctx.log.warn(`Tool server data not found for ${id}`);
      continue;
    }
    // Unlike the reference, a server the user may not see in the tools list cannot be used either.
    if (!mayUseServer(ctx, caller, server, bypass)) continue;
    const headers = serverHeaders(connections[server.idx] ?? {}, credentials);
    for (const spec of server.specs) {
      let name = spec.name;
      while (tools.has(name)) name = `${id}_${name}`;
      tools.set(name, { toolId, spec, type: "external", call: (params) => executeToolServer(server, spec.name, params, { headers, timeoutMs }) });
    }
  }
  return tools;
}

/** The arguments the tool's spec declares; anything else the model made up is dropped. */
export function allowedParams(tool: ChatTool, params: unknown): Json {
  if (!isRecord(params)) return {};
  const declared = isRecord(tool.spec.parameters) ? tool.spec.parameters : {};
  const properties = isRecord(declared.properties) ? declared.properties : {};
  return Object.fromEntries(Object.entries(params).filter(([key]) => key in properties));
}

const uiComponent = (name: string) => ({ status: "success", code: "ui_component", message: `${name}: Embedded UI result is active and visible to the user.` });

/** process_tool_result for a tool server's answer. */
export function processToolResult(name: string, answer: ToolServerAnswer | null): ToolResult {
  let result: unknown = answer?.data ?? null;
  const embeds: unknown[] = [];
  const files: Json[] = [];
  const headers = answer?.headers;
  if (headers && (headers.get("content-disposition") ?? "").includes("inline")) {
    const location = headers.get("location") ?? "";
    if ((headers.get("content-type") ?? "").includes("text/html")) {
      embeds.push(result);
      result = uiComponent(name);
    } else if (location) {
      embeds.push(location);
      result = uiComponent(name);
    }
  }
  if (Array.isArray(result)) {
    const kept: unknown[] = [];
    for (const item of result) {
      if (typeof item === "string" && item.startsWith("data:")) files.push({ type: "data", content: item });
      else kept.push(item);
    }
    result = { results: kept };
  }
  let content: string;
  if (typeof result === "string") content = result;
  else if (isRecord(result)) content = JSON.stringify(result, null, 2);
  else content = result === null || result === false || result === 0 ? "" : String(result);
  return { content, files, embeds };
}

/** Runs one call; an unknown tool gives an empty result, as in the reference. */
export async function runTool(tools: ChatTools, name: string, params: Json): Promise<ToolResult> {
  const tool = tools.get(name);
  if (!tool) return processToolResult(name, null);
  return processToolResult(name, await tool.call(allowedParams(tool, params)));
}

export interface DefaultCallingHooks {
  credentials?: CallerCredentials;
  /** `files` / `embeds` events for the message (socket path only). */
  event?(type: "files" | "embeds", items: unknown[]): void;
}

/** The task model's prompt: recent history and the latest query (get_tools_function_calling_payload). */
function functionCallingPayload(messages: ChatMessage[], modelId: string, system: string, metadata: Json): Json {
  const recent = messages.length > 4 ? messages.slice(-4) : messages;
  const history = recent
    .map((m) => `${String(m.role).toUpperCase()}: """${typeof m.content === "string" ? m.content : (contentText(m) ?? "")}"""`)
    .join("\n");
  const prompt = `History:\n${history}\nQuery: ${lastUserMessage(messages) ?? ""}`;
  return {
    model: modelId,
    messages: [
      { role: "system", content: system },
      { role: "user", content: `Query: ${prompt}` },
    ],
    stream: false,
    metadata: { ...metadata, task: "function_calling" },
  };
}

/** The JSON object in the model's answer (from the first "{" to the last "}"), or null. */
function answerObject(body: unknown): Json | null {
  const choice = isRecord(body) && Array.isArray(body.choices) && isRecord(body.choices[0]) ? body.choices[0] : null;
  const message = choice && isRecord(choice.message) ? choice.message : null;
  return jsonObjectIn(message && typeof message.content === "string" ? message.content : "");
}

/**
 * chat_completion_tools_handler: the task model picks the calls, each is run, and each result
 * becomes a source ({source: {name: "<tool id>/<function>"}, document, metadata, tool_result}).
 */
export async function defaultToolCalling(
  ctx: AppContext,
  catalog: ModelCatalog,
  form: Json,
  user: UserRow,
  tools: ChatTools,
  metadata: Json,
  hooks: DefaultCallingHooks = {},
): Promise<Json[]> {
  const { byId } = await catalog.models({ user });
  const modelId = taskModelId(ctx, String(form.model), byId);
  const configured = ctx.config.get("TOOLS_FUNCTION_CALLING_PROMPT_TEMPLATE");
  const template = configured !== "" ? configured : TOOLS_FUNCTION_CALLING_TEMPLATE;
  const specs = JSON.stringify([...tools.values()].map((tool) => tool.spec));
  const messages = Array.isArray(form.messages) ? (form.messages.filter(isRecord) as ChatMessage[]) : [];
  const payload = functionCallingPayload(messages, modelId, template.replaceAll("{{TOOLS}}", specs), metadata);
  let answer: Json | null = null;
  try {
    const reply = await dispatchCompletion(ctx, catalog, payload, user, { credentials: hooks.credentials });
    answer = reply.kind === "json" ? answerObject(reply.body) : null;
  } catch (error) {
    ctx.log.warn("the function calling task failed", error);
  }
  if (!answer) return [];
  const calls = Array.isArray(answer.tool_calls) ? answer.tool_calls : "tool_calls" in answer ? [] : [answer];
  const sources: Json[] = [];
  for (const call of calls) {
    if (!isRecord(call) || typeof call.name !== "string") continue;
    const tool = tools.get(call.name);
    if (!tool) continue;
    const params = allowedParams(tool, call.parameters);
    const result = processToolResult(call.name, await tool.call(params));
    if (result.files.length) hooks.event?.("files", result.files);
    if (result.embeds.length) hooks.event?.("embeds", result.embeds);
    if (!result.content) continue;
    const name = tool.toolId ? `${tool.toolId}/${call.name}` : call.name;
    sources.push({
      source: { name },
      document: [result.content],
      metadata: [{ source: name, parameters: params }],
      tool_result: true,
    });
  }
  return sources;
}

/** The `tools` an upstream gets for native function calling. */
export function toolPayload(tools: ChatTools): Json[] {
  return [...tools.values()].map((tool) => ({ type: "function", function: tool.spec }));
}

export type { ToolServerData };
