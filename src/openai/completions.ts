// POST <connection>/chat/completions for one model (routers/openai.py generate_chat_completion):
// the model row's base model, params and system prompt, the connection's prefix and auth,
// reasoning-model renames, Azure's URL and parameter set.
import type { AppContext } from "../context";
import { hasAccess } from "../core/access";
import { HttpError } from "../core/errors";
import { upstreamFetch, type UserInfo } from "../core/upstream";
import type { ModelCatalog } from "../models/catalog";
import { applyModelParamsOpenAI, applySystemPrompt, isRecord, logitBiasToJson, type Json } from "../chat/payload";
import type { UpstreamReply } from "../chat/reply";
import type { TemplateUser } from "../tasks/prompt";
import { openaiConnection, openaiHeaders, type CallerCredentials, type OpenAIConnection } from "./connections";

export type Caller = UserInfo & TemplateUser;

export interface CallOptions {
  credentials?: CallerCredentials;
  metadata?: Json | null;
  /** Skip the model access rule (the arena's chosen model, BYPASS_MODEL_ACCESS_CONTROL). */
  bypassFilter?: boolean;
  signal?: AbortSignal;
}

export const SERVER_CONNECTION_ERROR = "Open WebUI: Server Connection Error";

export function isReasoningModel(model: string): boolean {
  return /^(o1|o3|o4|gpt-5)/.test(model.toLowerCase());
}

const AZURE_PARAMS = new Set([
  "messages", "temperature", "role", "content", "contentPart", "contentPartImage", "enhancements", "dataSources",
  "n", "stream", "stop", "max_tokens", "presence_penalty", "frequency_penalty", "logit_bias", "user",
  "function_call", "functions", "tools", "tool_choice", "top_p", "log_probs", "top_logprobs", "response_format",
  "seed", "max_completion_tokens",
]);

function toAzure(url: string, payload: Json, apiVersion: string): { url: string; payload: Json } {
  const model = String(payload.model ?? "");
  if (isReasoningModel(model)) {
    if ("max_tokens" in payload) {
      payload.max_completion_tokens = payload.max_tokens;
      delete payload.max_tokens;
    }
    if ("temperature" in payload && payload.temperature !== 1) delete payload.temperature;
  }
  const allowed = new Set(AZURE_PARAMS);
  if (apiVersion >= "2024-09-01-preview") allowed.add("stream_options");
  const filtered = Object.fromEntries(Object.entries(payload).filter(([key]) => allowed.has(key)));
  return { url: `${url}/openai/deployments/${model}`, payload: filtered };
}

/** Max tokens and the first system message as reasoning models want them. */
function adaptForModel(payload: Json, url: string): void {
  if (isReasoningModel(String(payload.model))) {
    if ("max_tokens" in payload) {
      payload.max_completion_tokens = payload.max_tokens;
      delete payload.max_tokens;
    }
    const first = Array.isArray(payload.messages) ? payload.messages[0] : undefined;
    if (isRecord(first) && first.role === "system") {
      const lower = String(payload.model).toLowerCase();
      first.role = lower.startsWith("o1-mini") || lower.startsWith("o1-preview") ? "user" : "developer";
    }
  } else if (!url.includes("api.openai.com") && "max_completion_tokens" in payload) {
    payload.max_tokens = payload.max_completion_tokens;
    delete payload.max_completion_tokens;
  }
  if ("max_tokens" in payload && "max_completion_tokens" in payload) delete payload.max_tokens;
  if ("logit_bias" in payload) payload.logit_bias = logitBiasToJson(payload.logit_bias);
}

/**
 * Applies the model row (base model, params, system prompt) and enforces read access. The row
 * comes from the catalog's copy of the model table (reloaded after every write here, and checked
 * for other writers every second), not from a query per request.
 */
export async function applyModelRow(
  catalog: ModelCatalog,
  payload: Json,
  user: Caller & { role: string },
  metadata: Json | null | undefined,
  bypassFilter: boolean,
  family: "openai" | "ollama",
  applyParams: (params: Json, form: Json) => Json,
): Promise<{ modelId: string; payload: Json }> {
  let modelId = String(payload.model);
  const row = await catalog.freshRow(modelId);
  if (row) {
    if (row.base_model_id) {
      payload.model = row.base_model_id;
      if (family === "openai") modelId = row.base_model_id;
    }
    const params = { ...row.params };
    if (Object.keys(params).length > 0) {
      const system = params.system;
      delete params.system;
      payload = applyParams(params, payload);
      payload = applySystemPrompt(system, payload, metadata?.variables, user);
    }
    if (!bypassFilter && user.role === "user") {
      const groupIds = await catalog.groupIds(user.id);
      if (row.user_id !== user.id && !hasAccess(user.id, groupIds, "read", row.access_control)) {
        throw new HttpError(403, "Model not found");
      }
    }
  } else if (!bypassFilter && user.role !== "admin") {
    throw new HttpError(403, "Model not found");
  }
  return { modelId, payload };
}

/** Reads an upstream that did not stream: JSON when it parses, text otherwise. */
export async function readWhole(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function openaiChatCompletion(
  ctx: AppContext,
  catalog: ModelCatalog,
  form: Json,
  user: Caller & { role: string },
  options: CallOptions = {},
): Promise<UpstreamReply> {
  const bypass = options.bypassFilter || catalog.settings.bypassModelAccess;
  let payload: Json = { ...form };
  const metadata = (payload.metadata as Json | undefined) ?? options.metadata ?? null;
  delete payload.metadata;
  const applied = await applyModelRow(catalog, payload, user, metadata, bypass, "openai", applyModelParamsOpenAI);
  payload = applied.payload;

  await catalog.ensureFresh({ user });
  const model = catalog.openaiItem(applied.modelId);
  const connection = model ? openaiConnection(ctx, model.urlIdx as number) : undefined;
  if (!model || !connection) throw new HttpError(404, "Model not found");
  return sendChat(ctx, catalog, connection, payload, user, model, options, metadata);
}

async function sendChat(
  ctx: AppContext,
  catalog: ModelCatalog,
  connection: OpenAIConnection,
  payload: Json,
  user: Caller & { role: string },
  model: Json,
  options: CallOptions,
  metadata: Json | null,
): Promise<UpstreamReply> {
  const prefix = connection.config.prefix_id;
  if (prefix) payload.model = String(payload.model).replaceAll(`${prefix}.`, "");
  if (model.pipeline) payload.user = { name: user.name, id: user.id, email: user.email, role: user.role };
  adaptForModel(payload, connection.url);

  const headers = openaiHeaders(catalog.upstream, connection, user, options.credentials, metadata?.chat_id as string | undefined);
  let url = `${connection.url}/chat/completions`;
  if (connection.config.azure) {
    const version = connection.config.api_version || "2023-03-15-preview";
    const azure = toAzure(connection.url, payload, version);
    payload = azure.payload;
    headers["api-version"] = version;
    url = `${azure.url}/chat/completions?api-version=${version}`;
  }
  return postToUpstream(url, headers, JSON.stringify(payload), catalog.upstream.requestTimeoutMs, options.signal);
}

/** POSTs and classifies the answer: SSE is passed on, anything else read whole. */
export async function postToUpstream(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number | null,
  signal?: AbortSignal,
): Promise<UpstreamReply> {
  let response: Response;
  try {
    response = await upstreamFetch(url, { method: "POST", headers, body, signal }, timeoutMs);
  } catch {
    throw new HttpError(500, SERVER_CONNECTION_ERROR);
  }
  if ((response.headers.get("content-type") ?? "").includes("text/event-stream") && response.body) {
    return { kind: "sse", status: response.status, headers: response.headers, body: response.body };
  }
  try {
    return { kind: "json", status: response.status, body: await readWhole(response) };
  } catch {
    throw new HttpError(response.status || 500, SERVER_CONNECTION_ERROR);
  }
}
