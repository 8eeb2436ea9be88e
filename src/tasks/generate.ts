// The task completions (routers/tasks.py): pick the task model, fill the template, ask the
// model once without streaming (MoA may stream) and hand back the completion as it came.
import type { AppContext } from "../context";
import { HttpError } from "../core/errors";
import { ChatError, dispatchCompletion } from "../chat/dispatch";
import { isRecord, type Json } from "../chat/payload";
import type { UpstreamReply } from "../chat/reply";
import type { ModelCatalog } from "../models/catalog";
import { PipelineFilterError, runInletFilters } from "../pipelines/filters";
import type { CallerCredentials } from "../openai/connections";
import type { Caller } from "../openai/completions";
import { fillMessages, fillPrompt, fillTaskTemplate, fillUserAndDate, type ChatMessage } from "./prompt";
import * as defaults from "./templates";

export type TaskKind = "title" | "follow_up" | "tags" | "image_prompt" | "queries" | "autocomplete" | "emoji" | "moa";

/** A finished task call: JSON with a status, or a streamed reply (MoA, or an upstream that streams). */
export type TaskOutcome = { status: number; body: unknown } | { reply: Extract<UpstreamReply, { kind: "sse" | "ndjson" }> };

export interface TaskCaller extends Caller {
  role: string;
}

const TASK_NAMES: Record<TaskKind, string> = {
  title: "title_generation",
  follow_up: "follow_up_generation",
  tags: "tags_generation",
  image_prompt: "image_prompt_generation",
  queries: "query_generation",
  autocomplete: "autocomplete_generation",
  emoji: "emoji_generation",
  moa: "moa_response_generation",
};

/** get_task_model_id: TASK_MODEL for local models, TASK_MODEL_EXTERNAL otherwise, if they exist. */
export function taskModelId(ctx: AppContext, modelId: string, models: Map<string, Json>): string {
  const local = models.get(modelId)?.connection_type === "local";
  const candidate = local ? ctx.config.get("TASK_MODEL") : ctx.config.get("TASK_MODEL_EXTERNAL");
  return candidate && models.has(candidate) ? candidate : modelId;
}

/** A failure as Python's str(exception) renders it ("404: Model not found" for HTTP errors). */
export function errorString(error: unknown): string {
  if (error instanceof HttpError) return `${error.status}: ${typeof error.detail === "string" ? error.detail : JSON.stringify(error.detail)}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

function messagesOf(form: Json): ChatMessage[] {
  if (!Array.isArray(form.messages)) throw new HttpError(400, "messages: Field required");
  return form.messages.filter(isRecord) as ChatMessage[];
}

function template(ctx: AppContext, kind: TaskKind): string {
  const pick = (configured: string, fallback: string) => (configured.trim() !== "" ? configured : fallback);
  switch (kind) {
    case "title":
      return pick(ctx.config.get("TITLE_GENERATION_PROMPT_TEMPLATE"), defaults.TITLE_TEMPLATE);
    case "follow_up":
      return pick(ctx.config.get("FOLLOW_UP_GENERATION_PROMPT_TEMPLATE"), defaults.FOLLOW_UP_TEMPLATE);
    case "tags":
      return pick(ctx.config.get("TAGS_GENERATION_PROMPT_TEMPLATE"), defaults.TAGS_TEMPLATE);
    case "image_prompt":
      return pick(ctx.config.get("IMAGE_PROMPT_GENERATION_PROMPT_TEMPLATE"), defaults.IMAGE_PROMPT_TEMPLATE);
    case "queries":
      return pick(ctx.config.get("QUERY_GENERATION_PROMPT_TEMPLATE"), defaults.QUERY_TEMPLATE);
    case "autocomplete":
      return pick(ctx.config.get("AUTOCOMPLETE_GENERATION_PROMPT_TEMPLATE"), defaults.AUTOCOMPLETE_TEMPLATE);
    case "emoji":
      return defaults.EMOJI_TEMPLATE;
    case "moa":
      return defaults.MOA_TEMPLATE;
  }
}

function moaText(tpl: string, prompt: string, responses: unknown[]): string {
  const filled = fillPrompt(tpl, prompt, false);
  return filled.replaceAll("{{responses}}", responses.map((r) => `"""${String(r)}"""`).join("\n\n"));
}

function promptFor(ctx: AppContext, kind: TaskKind, form: Json, user: TaskCaller): string {
  const tpl = template(ctx, kind);
  switch (kind) {
    case "emoji":
      return fillUserAndDate(fillPrompt(tpl, String(form.prompt ?? "")), user);
    case "moa":
      return moaText(tpl, String(form.prompt ?? ""), Array.isArray(form.responses) ? form.responses : []);
    case "autocomplete": {
      const type = typeof form.type === "string" ? form.type : "";
      const messages = Array.isArray(form.messages) ? (form.messages.filter(isRecord) as ChatMessage[]) : null;
      return fillUserAndDate(fillMessages(fillPrompt(tpl.replaceAll("{{TYPE}}", type), String(form.prompt ?? "")), messages), user);
    }
    default:
      return fillTaskTemplate(tpl, messagesOf(form), user);
  }
}

/** What a failed call answers, per route (the reference's own mix of codes and texts). */
function failure(kind: TaskKind, error: unknown): { status: number; body: unknown } {
  switch (kind) {
    case "title":
    case "follow_up":
    case "image_prompt":
      return { status: 400, body: { detail: "An internal error has occurred." } };
    case "tags":
    case "autocomplete":
      return { status: 500, body: { detail: "An internal error has occurred." } };
    default:
      return { status: 400, body: { detail: errorString(error) } };
  }
}

export interface TaskOptions {
  credentials?: CallerCredentials;
  /** The running chat's metadata (background tasks), merged like request.state.metadata. */
  metadata?: Json;
}

export async function runTask(
  ctx: AppContext,
  catalog: ModelCatalog,
  kind: TaskKind,
  form: Json,
  user: TaskCaller,
  options: TaskOptions = {},
): Promise<TaskOutcome> {
  // A chat with a direct connection runs its tasks on that same connection, as the reference does.
  const direct = options.metadata?.direct && isRecord(options.metadata.model) ? options.metadata.model : null;
  const byId = direct ? new Map([[String(direct.id), direct]]) : (await catalog.models({ user })).byId;
  const modelId = form.model;
  if (typeof modelId !== "string" || !byId.has(modelId)) throw new HttpError(404, "Model not found");
  const chosen = kind === "moa" ? modelId : taskModelId(ctx, modelId, byId);
  const content = promptFor(ctx, kind, form, user);
  const ollama = byId.get(chosen)?.owned_by === "ollama";
  const limit = (n: unknown) => (ollama ? { max_tokens: n } : { max_completion_tokens: n });
  const info = byId.get(chosen)?.info;
  const params = isRecord(info) && isRecord(info.params) ? info.params : {};
  let payload: Json = {
    model: chosen,
    messages: [{ role: "user", content }],
    stream: kind === "moa" ? Boolean(form.stream ?? false) : false,
    ...(kind === "title" ? limit("max_tokens" in params ? params.max_tokens : 1000) : {}),
    ...(kind === "emoji" ? limit(4) : {}),
    metadata: { ...options.metadata, task: TASK_NAMES[kind], task_body: form, chat_id: form.chat_id ?? null },
  };
  if (!direct) {
    try {
      payload = await runInletFilters(ctx, catalog, payload, user);
    } catch (error) {
      // Python lets the refusal escape as a 500; the caller gets the filter's own answer.
      if (error instanceof PipelineFilterError) return { status: error.status, body: { detail: error.detail } };
      throw error;
    }
  }
  try {
    const reply = await dispatchCompletion(ctx, catalog, payload, user, { credentials: options.credentials });
    return reply.kind === "json" ? { status: reply.status, body: reply.body } : { reply };
  } catch (error) {
    if (!(error instanceof HttpError) && !(error instanceof ChatError)) ctx.log.error(`${kind} task failed`, error);
    return failure(kind, error);
  }
}

/** The JSON object in a completion's text ({…} from the first "{" to the last "}"). */
export function completionObject(outcome: TaskOutcome | null): Json | null {
  if (!outcome || !("status" in outcome) || outcome.status >= 400 || !isRecord(outcome.body)) return null;
  const choices = outcome.body.choices;
  if (!Array.isArray(choices) || choices.length !== 1) return null;
  const message = isRecord(choices[0]) && isRecord(choices[0].message) ? choices[0].message : {};
  return jsonObjectIn(typeof message.content === "string" ? message.content : "");
}

/** The JSON object in a model's text, from the first "{" to the last "}", or null. */
export function jsonObjectIn(text: string): Json | null {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start === -1 || end < start) return null;
  try {
    const parsed: unknown = JSON.parse(text.slice(start, end + 1));
    return isRecord(parsed) ? parsed : null;
  } catch {
    return null;
  }
}
