// The part of process_chat_payload this backend runs before calling the model: the request's
// `params` become body keys, {{VARIABLES}} in the system prompt are filled, a project folder's
// system prompt and files are added, the user's memories are recalled (features.memory), the web
// is searched (features.web_search), an image is generated (features.image_generation), the
// code interpreter's instructions are added (features.code_interpreter), the tool servers named
// in `tool_ids` and the user's own of `tool_servers` are called (default function calling) or
// offered to the model (native), the model's knowledge and the attached files are searched
// (RAG), and Open WebUI's own keys are taken out of the body.
import type { AppContext } from "../context";
import { getFolder } from "../folders/repository";
import { runInletFilters } from "../pipelines/filters";
import type { ModelCatalog } from "../models/catalog";
import type { CallerCredentials } from "../openai/connections";
import { applyRagTemplate, contextBlock, retrieveSources, type FileItem, type Source } from "../retrieval/chat";
import { lastUserMessage, type ChatMessage, type TemplateUser } from "../tasks/prompt";
import type { UserRow } from "../users/repository";
import { chatRuntime, type ChatStore } from "./ports";
import { applyFilters, filtersFor } from "../functions/filters";
import { pluginEvents } from "../functions/plugin-events";
import { PluginError } from "../functions/python/runtime";
import { userContext } from "../memories/vectors";
import { generateQueries } from "./queries";
import { searchTheWeb } from "./web-search";
import { defaultToolCalling, resolveChatTools, toolPayload, type ChatTools } from "./tools";
import { addDirectTools } from "./direct-tools";
import { generateImageForChat } from "./image-generation";
import { addCodeInterpreterPrompt } from "./code-interpreter";
import { addOrUpdateSystemMessage, applyChatParams, applySystemPrompt, firstSystemMessage, isRecord, type Json } from "./payload";

export interface ChatMetadata extends Json {
  user_id: string;
  chat_id: string | null;
  message_id: string | null;
  session_id: string | null;
  variables: unknown;
  params: { stream_delta_chunk_size: unknown; reasoning_tags: unknown; function_calling: string };
}

export interface PipelineHooks {
  /** A `status` event for the message (socket path only). */
  status?(data: Json): void;
  /** `files` / `embeds` for the message (socket path only): shown, and saved ahead of earlier ones. */
  event?(type: "files" | "embeds", items: unknown[]): Promise<void>;
  credentials?: CallerCredentials;
}

export interface Prepared {
  form: Json;
  /** Events computed before the model answers (`{sources}`), sent ahead of the reply. */
  events: Json[];
  /** Native function calling: the tools offered upstream as `form.tools`, run when the reply calls them. */
  tools: ChatTools | null;
}

async function folderData(ctx: AppContext, folderId: string, userId: string): Promise<Json | null> {
  const folder = await getFolder(ctx.db, userId, folderId);
  return isRecord(folder?.data) ? folder.data : null;
}

/** The model's knowledge as file items (older rows name collections directly). */
function knowledgeItems(knowledge: unknown[]): Json[] {
  return knowledge.filter(isRecord).map((item) => {
    if (item.collection_name) return { id: item.collection_name, name: item.name, legacy: true };
    if (item.collection_names) return { name: item.name, type: "collection", collection_names: item.collection_names, legacy: true };
    return item;
  });
}


function dedupe(files: Json[]): Json[] {
  const seen = new Map<string, Json>();
  for (const file of files) seen.set(stableJson(file), file);
  return [...seen.values()];
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * The Pipelines servers' filters see the body as the reference has it at this point (the files
 * so far, the metadata, no variables) and may rewrite it; the result replaces the form in place.
 */
async function inletFilters(ctx: AppContext, catalog: ModelCatalog, form: Json, files: Json[], metadata: ChatMetadata, user: UserRow): Promise<void> {
  if (files.length > 0 || "files" in form) form.files = files;
  delete form.variables;
  form.metadata = metadata;
  const filtered = await runInletFilters(ctx, catalog, form, user);
  if (filtered === form) return;
  for (const key of Object.keys(form)) delete form[key];
  Object.assign(form, filtered);
}

/** The filter functions' `inlet`: the body as the Pipelines filters left it, replaced in place. */
async function inletFunctions(ctx: AppContext, catalog: ModelCatalog, form: Json, user: UserRow, metadata: ChatMetadata, model: Json): Promise<void> {
  const filters = await filtersFor(catalog, model, metadata.filter_ids);
  if (filters.length === 0) return;
  form.metadata = metadata;
  const events = pluginEvents(ctx, metadata, chatRuntime(ctx)?.emit);
  const filtered = await applyFilters(ctx, filters, "inlet", form, { user, extras: { __metadata__: metadata, __model__: model, __oauth_token__: null }, events });
  if (!isRecord(filtered)) throw new PluginError("A filter's inlet must return the body");
  if (filtered === form) return;
  for (const key of Object.keys(form)) delete form[key];
  Object.assign(form, filtered);
}

export async function prepareForm(
  ctx: AppContext,
  catalog: ModelCatalog,
  form: Json,
  user: UserRow & TemplateUser,
  metadata: ChatMetadata,
  model: Json,
  chats: ChatStore | null,
  hooks: PipelineHooks = {},
): Promise<Prepared> {
  applyChatParams(form, model.owned_by);
  const system = firstSystemMessage(form.messages);
  if (system && typeof system.content === "string") applySystemPrompt(system.content, form, metadata.variables, user);

  let files: Json[] = Array.isArray(form.files) ? form.files.filter(isRecord) : [];
  if (metadata.chat_id && metadata.chat_id !== "local" && chats) {
    const chat = await chats.findOwned(user.id, metadata.chat_id);
    const data = chat?.folderId ? await folderData(ctx, chat.folderId, user.id) : null;
    if (data) {
      if (typeof data.system_prompt === "string") applySystemPrompt(data.system_prompt, form, metadata.variables, user);
      if (Array.isArray(data.files)) files = [...data.files.filter(isRecord), ...files];
    }
  }

  const meta = isRecord(model.info) && isRecord(model.info.meta) ? model.info.meta : {};
  const knowledge = Array.isArray(meta.knowledge) && meta.knowledge.length > 0 ? meta.knowledge : null;
  const messages = Array.isArray(form.messages) ? (form.messages as { role: string; content: unknown }[]) : [];
  const question = lastUserMessage(messages);
  if (knowledge) {
    hooks.status?.({ action: "knowledge_search", query: question, done: false });
    files = [...files, ...knowledgeItems(knowledge)];
  }

  if (!metadata.direct) await inletFilters(ctx, catalog, form, files, metadata, user);
  await inletFunctions(ctx, catalog, form, user, metadata, model);
  files = Array.isArray(form.files) ? form.files.filter(isRecord) : [];

  if (isRecord(form.features) && form.features.memory) {
    const context = await userContext(ctx, user, question ?? "");
    form.messages = addOrUpdateSystemMessage(context, messages, { append: true });
  }

  if (isRecord(form.features) && form.features.web_search) {
    files = [...files, ...(await searchTheWeb(ctx, catalog, form, user, question ?? "", metadata, hooks))];
  }

  if (isRecord(form.features) && form.features.image_generation) {
    await generateImageForChat(ctx, catalog, form, user, question ?? "", metadata, hooks);
  }

  if (isRecord(form.features) && form.features.code_interpreter) {
    form.messages = addCodeInterpreterPrompt(ctx, Array.isArray(form.messages) ? (form.messages as ChatMessage[]) : []);
  }

  const toolIds = Array.isArray(form.tool_ids) ? form.tool_ids.filter((id): id is string => typeof id === "string") : [];
  for (const key of ["variables", "features", "tool_ids", "files"]) delete form[key];
  files = dedupe(files);
  metadata.files = files.length ? files : null;

  let tools: ChatTools | null = null;
  const sources: Source[] = [];
  const toolContext = { metadata, messages: form.messages, model, events: pluginEvents(ctx, metadata, chatRuntime(ctx)?.emit) };
  const resolved: ChatTools = toolIds.length > 0 ? await resolveChatTools(ctx, toolIds, user, hooks.credentials, toolContext) : new Map();
  await addDirectTools(ctx, resolved, metadata.tool_servers, user, metadata);
  if (resolved.size > 0 && metadata.params.function_calling === "native") {
    form.tools = toolPayload(resolved);
    tools = resolved;
  } else if (resolved.size > 0) {
    const found = await defaultToolCalling(ctx, catalog, form, user, resolved, metadata, hooks);
    sources.push(...(found as unknown as Source[]));
  }

  const events: Json[] = [];
  const cited = [...sources];
  if (files.length > 0) {
    const allFull = files.every((f) => f.context === "full");
    let queries = allFull ? [] : ((await generateQueries(ctx, catalog, form, user, "retrieval", { credentials: hooks.credentials, metadata })) ?? []);
    if (queries.length === 0) queries = [question ?? ""];
    if (!allFull) hooks.status?.({ action: "queries_generated", queries, done: false });
    try {
      const rag = await retrieveSources(ctx, user, files as FileItem[], messages, { queries });
      hooks.status?.({ action: "sources_retrieved", count: rag.count, done: true });
      sources.push(...rag.all);
      cited.push(...rag.sources);
    } catch (error) {
      ctx.log.warn("retrieval for a chat failed", error);
    }
  }
  if (sources.length > 0) {
    if (question === null) throw new Error("No user message found");
    const { context } = contextBlock(sources);
    if (context) form.messages = applyRagTemplate(ctx, messages, context);
  }
  if (cited.length > 0) events.push({ sources: cited });
  if (knowledge) hooks.status?.({ action: "knowledge_search", query: question, done: true, hidden: true });
  return { form, events, tools };
}
