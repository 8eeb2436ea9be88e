// The browser's chat turn as a background task: the reply goes to the user's sockets as
// `chat-events`, is saved into the chat while it grows and at the end, then the title, tags and
// follow-ups run. A stop aborts the upstream call; the partial reply is kept.
import type { AppContext } from "../context";
import type { ModelCatalog } from "../models/catalog";
import type { CallerCredentials } from "../openai/connections";
import { errorString } from "../tasks/generate";
import type { UserRow } from "../users/repository";
import { runBackgroundTasks } from "./background";
import { dispatchCompletion } from "./dispatch";
import { notifyUserWebhook } from "./notify";
import { taskOwners } from "./owners";
import type { ChatRuntime } from "./ports";
import { prepareForm, type ChatMetadata } from "./pipeline";
import { isRecord, type Json } from "./payload";
import { replyChunks, type UpstreamReply } from "./reply";
import { DEFAULT_REASONING_TAGS } from "./reply-builder";
import { ReplyStream, reasoningTagsFrom } from "./stream";
import { envChunkSize } from "./completions";
import { runToolRounds } from "./native-tools";
import { runCodeRounds } from "./code-interpreter";
import type { ChatTools } from "./tools";
import { filtersFor, streamFilter } from "../functions/filters";
import { pluginEvents } from "../functions/plugin-events";

export interface ChatTaskInput {
  ctx: AppContext;
  catalog: ModelCatalog;
  runtime: ChatRuntime;
  user: UserRow;
  form: Json;
  model: Json;
  metadata: ChatMetadata;
  tasks: Json | null;
  credentials: CallerCredentials;
}

export async function startChatTask(input: ChatTaskInput): Promise<string> {
  const taskId = crypto.randomUUID();
  const controller = new AbortController();
  const { runtime, metadata, user } = input;
  const owners = taskOwners(input.ctx);
  await owners.set(taskId, user.id);
  await runtime.tasks.add(taskId, { chatId: metadata.chat_id ?? undefined, userId: user.id }, () => controller.abort());
  void runChatTask(input, controller.signal)
    .catch((error) => input.ctx.log.error("chat task failed", error))
    .finally(() => {
      void owners.delete(taskId);
      void runtime.tasks.remove(taskId).catch(() => {});
    });
  return taskId;
}

class Stopped extends Error {}

export async function runChatTask(input: ChatTaskInput, signal: AbortSignal): Promise<void> {
  const { ctx, catalog, runtime, user, metadata, model } = input;
  const chatId = metadata.chat_id as string;
  const messageId = metadata.message_id as string;
  const persist = chatId !== "local";
  const emit = (event: { type: string; data?: unknown }) =>
    runtime.emit.toUser(user.id, "chat-events", { chat_id: chatId, message_id: messageId, data: event });
  const save = async (patch: Json) => {
    if (!persist) return;
    await runtime.chats.upsertMessage(user.id, chatId, messageId, patch).catch((error) => ctx.log.warn("could not save the reply", error));
  };
  /** Files and embeds of tool results: sent, and kept on the message ahead of earlier ones. */
  const saveItems = async (type: "files" | "embeds", items: unknown[]) => {
    emit({ type, data: { [type]: items } });
    if (!persist) return;
    const stored = await runtime.chats.message(user.id, chatId, messageId).catch(() => null);
    const earlier = stored && Array.isArray(stored[type]) ? (stored[type] as unknown[]) : [];
    await save({ [type]: [...items, ...earlier] });
  };
  let statuses = Promise.resolve();
  /** Status events are kept on the message (statusHistory), in order. */
  const appendStatus = (data: Json) =>
    (statuses = statuses.then(async () => {
      if (!persist) return;
      await runtime.chats.appendStatus(user.id, chatId, messageId, data).catch((error) => ctx.log.warn("could not save a status", error));
    }));

  try {
    const modelId = input.form.model as string;
    const status = (data: Json) => {
      emit({ type: "status", data });
      void appendStatus(data);
    };
    const { form, events, tools } = await prepareForm(ctx, catalog, input.form, user, metadata, model, runtime.chats, {
      status,
      event: saveItems,
      credentials: input.credentials,
    });
    form.metadata = metadata;
    // The conversation before the upstream call adds the model's system prompt to it.
    const conversation = structuredClone(form.messages) as Json[];
    const native = tools ? { tools, messages: conversation } : null;
    const reply = await dispatchCompletion(ctx, catalog, form, user, { credentials: input.credentials, signal });
    if (signal.aborted) throw new Stopped();
    await save({ model: modelId });
    for (const event of events) {
      emit({ type: "chat:completion", data: event });
      await save(event);
    }
    const done =
      reply.kind === "json"
        ? await finishWhole(input, reply, emit, save)
        : await streamReply(input, reply, form, emit, save, signal, native, conversation);
    if (done) await afterDone(input, done, emit);
  } catch (error) {
    if (signal.aborted || error instanceof Stopped) {
      emit({ type: "chat:tasks:cancel" });
      return;
    }
    const content = errorString(error);
    await save({ error: { content } });
    emit({ type: "chat:message:error", data: { error: { content } } });
    emit({ type: "chat:tasks:cancel" });
  }
}

type Emit = (event: { type: string; data?: unknown }) => void;
type Save = (patch: Json) => Promise<void>;

/** A whole (non-streamed) answer; returns the final content, or null when there is none. */
async function finishWhole(input: ChatTaskInput, reply: Extract<UpstreamReply, { kind: "json" }>, emit: Emit, save: Save) {
  const body = reply.body;
  if (!isRecord(body) || reply.status >= 400 || "error" in body) {
    const error = isRecord(body) ? body.error : body;
    const content = isRecord(error) ? (error.detail ?? error) : typeof error === "string" ? error : JSON.stringify(error ?? body);
    await save({ error: { content } });
    emit({ type: "chat:message:error", data: { error: { content } } });
    return null;
  }
  if ("selected_model_id" in body) await save({ selectedModelId: body.selected_model_id });
  const choice = Array.isArray(body.choices) && isRecord(body.choices[0]) ? body.choices[0] : {};
  const message = isRecord(choice.message) ? choice.message : {};
  const content = typeof message.content === "string" ? message.content : "";
  if (content) emit({ type: "chat:completion", data: body });
  const title = await titleOf(input);
  emit({ type: "chat:completion", data: { done: true, content, title } });
  await save({ role: "assistant", content });
  return { content, title };
}

async function titleOf(input: ChatTaskInput): Promise<string | null> {
  const chatId = input.metadata.chat_id as string;
  if (chatId === "local") return null;
  return input.runtime.chats.title(input.user.id, chatId).catch(() => null);
}

/** Streams the reply to the sockets; returns the final content, or throws on failure or stop. */
async function streamReply(
  input: ChatTaskInput,
  reply: Extract<UpstreamReply, { kind: "sse" | "ndjson" }>,
  form: Json,
  emit: Emit,
  save: Save,
  signal: AbortSignal,
  native: { tools: ChatTools; messages: Json[] } | null,
  conversation: Json[],
) {
  const { metadata, runtime } = input;
  const chatId = metadata.chat_id as string;
  const stored = chatId === "local" ? null : await runtime.chats.message(input.user.id, chatId, metadata.message_id as string).catch(() => null);
  const messages = Array.isArray(form.messages) ? form.messages : [];
  const last = messages[messages.length - 1];
  const lastAssistant = isRecord(last) && last.role === "assistant" && typeof last.content === "string" ? last.content : "";
  const initial = stored ? String(stored.content ?? "") : lastAssistant;
  const codeInterpreter = isRecord(metadata.features) && Boolean(metadata.features.code_interpreter);
  const chunkSize = Math.max(envChunkSize(input.ctx), Number.parseInt(String(metadata.params.stream_delta_chunk_size ?? 1), 10) || 1);
  const stream = new ReplyStream(
    { emit, save },
    {
      initialContent: initial,
      reasoningTags: reasoningTagsFrom(metadata.params.reasoning_tags, DEFAULT_REASONING_TAGS),
      chunkSize,
      codeInterpreter,
    },
  );
  const rounds = { ctx: input.ctx, catalog: input.catalog, user: input.user, form, stream, credentials: input.credentials, signal, save: (content: string) => save({ content }) };
  const filter = await streamFilterFor(input, form);
  try {
    for await (const received of replyChunks(reply)) {
      if (signal.aborted) break;
      const chunk = filter ? await filter(received) : received;
      if (!chunk) continue;
      stream.handle(chunk);
      if (stream.codeClosed) break;
    }
    if (signal.aborted) throw new Stopped();
    if (native) {
      stream.finish();
      await runToolRounds({ ...rounds, ...native });
      if (signal.aborted) throw new Stopped();
    }
    if (codeInterpreter) {
      stream.finish();
      await runCodeRounds({ ...rounds, messages: conversation });
      if (signal.aborted) throw new Stopped();
    }
  } catch (error) {
    const partial = stream.abandon();
    await save({ content: partial });
    if (signal.aborted || error instanceof Stopped) throw new Stopped();
    throw error;
  }
  const content = stream.finish();
  const title = await titleOf(input);
  await save({ content });
  emit({ type: "chat:completion", data: { done: true, content, title } });
  return { content, title };
}

/** The filter functions' `stream` step, when one of the model's filters has it. */
async function streamFilterFor(input: ChatTaskInput, form: Json) {
  const { ctx, catalog, model, metadata, user, runtime } = input;
  const filters = await filtersFor(catalog, model, metadata.filter_ids);
  const extras = { __metadata__: metadata, __model__: model, __oauth_token__: null, __body__: form };
  return streamFilter(ctx, filters, { user, extras, events: pluginEvents(ctx, metadata, runtime.emit) });
}

async function afterDone(input: ChatTaskInput, done: { content: string; title: string | null }, emit: Emit) {
  const { ctx, catalog, runtime, user, metadata } = input;
  const chatId = metadata.chat_id as string;
  if (chatId === "local") return;
  void notifyUserWebhook(ctx, user, chatId, done.title, done.content).catch(() => {});
  await runBackgroundTasks(
    { ctx, catalog, chats: runtime.chats, user, chatId, messageId: metadata.message_id as string, credentials: input.credentials, metadata, emit },
    input.tasks,
  ).catch((error) => ctx.log.warn("background tasks failed", error));
}
