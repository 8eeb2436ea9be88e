// POST /api/chat/completions (main.py chat_completion): check the model and the chat, then
// either answer the caller directly (SSE or JSON) or, for the browser (session + chat +
// message ids), start a task that streams the reply over the socket and saves it.
import type { AppContext } from "../context";
import { HttpError, json } from "../core/errors";
import type { ModelCatalog } from "../models/catalog";
import type { CallerCredentials } from "../openai/connections";
import { callerCredentials } from "../tasks/routes";
import type { UserRow } from "../users/repository";
import { ChatError, dispatchCompletion } from "./dispatch";
import { chatRuntime, chatStore } from "./ports";
import { PipelineFilterError } from "../pipelines/filters";
import { PluginError } from "../functions/python/runtime";
import { prepareForm, type ChatMetadata } from "./pipeline";
import { isRecord, type Json } from "./payload";
import { replyToResponse, type UpstreamReply } from "./reply";
import { startChatTask } from "./task";

const DEFAULT_NOT_FOUND = "404: Something went wrong :/";

/** CHAT_RESPONSE_STREAM_DELTA_CHUNK_SIZE (lenient, like the reference). */
export function envChunkSize(ctx: AppContext): number {
  const raw = ctx.env.raw.CHAT_RESPONSE_STREAM_DELTA_CHUNK_SIZE;
  const n = raw === undefined || raw === "" ? 1 : Number.parseInt(raw, 10);
  return Number.isFinite(n) && n > 0 ? n : 1;
}

interface Checked {
  model: Json;
  metadata: ChatMetadata;
  tasks: Json | null;
}

/** Everything that answers 400 before any work starts (the reference's metadata block). */
async function check(ctx: AppContext, catalog: ModelCatalog, body: Json, user: UserRow): Promise<Checked> {
  const { byId } = await catalog.models({ user });
  const modelId = body.model;
  const modelItem = isRecord(body.model_item) ? body.model_item : {};
  delete body.model_item;
  const tasks = isRecord(body.background_tasks) ? body.background_tasks : null;
  delete body.background_tasks;
  const direct = Boolean(modelItem.direct);
  if (direct && !ctx.config.get("ENABLE_DIRECT_CONNECTIONS")) throw new HttpError(400, "Direct connections are disabled");
  // A direct model is the user's own endpoint, described by the browser: nothing to look up.
  const model = direct ? modelItem : typeof modelId === "string" ? byId.get(modelId) : undefined;
  if (!model || !(direct || (await catalog.canUse(user, model)))) throw new HttpError(400, "Model not found");

  // The model row's stream settings; the cached rows are fresh enough for these.
  const rowParams = (direct ? null : catalog.rowById(modelId as string)?.params) ?? {};
  const params = isRecord(body.params) ? body.params : {};
  const metadata: ChatMetadata = {
    user_id: user.id,
    chat_id: typeof body.chat_id === "string" ? body.chat_id : null,
    message_id: typeof body.id === "string" ? body.id : null,
    session_id: typeof body.session_id === "string" ? body.session_id : null,
    filter_ids: body.filter_ids ?? [],
    tool_ids: body.tool_ids ?? null,
    tool_servers: body.tool_servers ?? null,
    files: body.files ?? null,
    features: body.features ?? {},
    variables: body.variables ?? {},
    model,
    direct,
    params: {
      stream_delta_chunk_size: rowParams.stream_delta_chunk_size || params.stream_delta_chunk_size,
      reasoning_tags: rowParams.reasoning_tags ?? params.reasoning_tags,
      function_calling: params.function_calling === "native" || rowParams.function_calling === "native" ? "native" : "default",
    },
  };
  for (const key of ["chat_id", "id", "session_id", "filter_ids", "tool_servers"]) delete body[key];

  // Unlike the reference, admins too may only write into their own chats through this route.
  if (metadata.chat_id && metadata.chat_id !== "local") {
    const store = chatStore(ctx);
    if (!store || !(await store.findOwned(user.id, metadata.chat_id))) throw new HttpError(400, DEFAULT_NOT_FOUND);
  }
  return { model, metadata, tasks };
}

export async function chatCompletion(ctx: AppContext, catalog: ModelCatalog, body: Json, user: UserRow, request: Request): Promise<Response> {
  const checked = await check(ctx, catalog, body, user);
  const credentials = callerCredentials(request);
  const { metadata } = checked;
  if (metadata.session_id && metadata.chat_id && metadata.message_id) {
    const runtime = chatRuntime(ctx);
    if (!runtime) throw new HttpError(400, "Realtime chat is not available on this server");
    const taskId = await startChatTask({ ctx, catalog, runtime, user, form: body, credentials, ...checked });
    return json(200, { status: true, task_id: taskId });
  }
  return inline(ctx, catalog, body, user, checked, credentials, request.signal);
}

/** No socket: the upstream's answer goes straight back (nothing is written to the chat). */
async function inline(
  ctx: AppContext,
  catalog: ModelCatalog,
  form: Json,
  user: UserRow,
  { model, metadata }: Checked,
  credentials: CallerCredentials,
  signal: AbortSignal,
): Promise<Response> {
  const modelId = form.model as string;
  const store = chatStore(ctx);
  let events: Json[];
  try {
    ({ events } = await prepareForm(ctx, catalog, form, user, metadata, model, store, { credentials }));
  } catch (error) {
    // Python answers `200 null` here; the caller gets the filter's own refusal instead.
    if (error instanceof PipelineFilterError) throw new HttpError(error.status, error.detail);
    if (error instanceof PluginError) throw new HttpError(400, error.message);
    throw error;
  }
  form.metadata = metadata;
  let reply;
  try {
    reply = await dispatchCompletion(ctx, catalog, form, user, { credentials, signal });
  } catch (error) {
    if (error instanceof ChatError) throw new HttpError(400, error.message);
    throw error;
  }
  if (store && metadata.chat_id && metadata.chat_id !== "local" && metadata.message_id) {
    await store.upsertMessage(user.id, metadata.chat_id, metadata.message_id, { model: modelId }).catch(() => {});
  }
  return replyToResponse(withEvents(reply, events));
}

/** Events computed before the answer go first: own SSE lines, or keys merged into the JSON. */
function withEvents(reply: UpstreamReply, events: Json[]): UpstreamReply {
  if (events.length === 0) return reply;
  if (reply.kind === "json") {
    return isRecord(reply.body) && reply.status < 400 ? { ...reply, body: { ...Object.assign({}, ...events), ...reply.body } } : reply;
  }
  const lines = events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join("");
  return { ...reply, prefix: lines + (reply.prefix ?? "") };
}

