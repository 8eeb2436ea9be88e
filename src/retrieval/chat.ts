// Retrieval inside chat completions (Open WebUI's chat_completion_files_handler and
// get_sources_from_items): the files, knowledge bases, notes and chats attached to a message
// become `sources` (sent to the client as `chat:completion {sources}` and saved on the message)
// and a context block that the RAG template puts in front of the last user message.
//
// The chat pipeline calls, in this order:
//   const rag = await retrieveSources(ctx, user, files, messages, { queries });
//   emit status {action: "queries_generated", queries: rag.queries, done: false} (unless rag.allFullContext)
//   emit status {action: "sources_retrieved", count: rag.count, done: true}
//   messages = applyRagTemplate(ctx, messages, rag.context);
//   events.push({sources: rag.sources}) when rag.sources.length > 0
import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context";
import { findAccessibleFile } from "../files/access";
import { canAccess, loadCaller, type Caller } from "../knowledge/access";
import { fileIdsOf, findKnowledge } from "../knowledge/repository";
import type { UserRow } from "../users/repository";
import { canUseCollection } from "./access";
import { DEFAULT_RAG_TEMPLATE } from "./settings";
import { allChunks, queryCollections, queryOptions, type QueryResult } from "./search";
import type { Metadata } from "./vector/types";

/** A `files` entry of a chat completion request (FileItem in the contract). */
export interface FileItem {
  type?: string;
  id?: string;
  name?: string;
  context?: string;
  legacy?: boolean;
  file?: { data?: { content?: string; metadata?: Metadata }; meta?: Metadata } & Record<string, unknown>;
  collection_name?: string;
  collection_names?: string[];
  docs?: { content?: string; metadata?: Metadata }[];
  content?: string;
  [key: string]: unknown;
}

export interface Source {
  source: FileItem;
  document: string[];
  metadata: Metadata[];
  distances?: number[];
}

export interface ChatMessage {
  role: string;
  content: unknown;
  [key: string]: unknown;
}

export interface RetrievedSources {
  sources: Source[];
  /** Every source, also those without a name or id (they still count in the context). */
  all: Source[];
  /** `<source id="1" name="...">text</source>` lines for the RAG template; "" when nothing was found. */
  context: string;
  queries: string[];
  /** Distinct sources, for the `sources_retrieved` status event. */
  count: number;
  allFullContext: boolean;
}

type Partial = { documents: string[][]; metadatas: Metadata[][]; distances?: number[][] };

export async function retrieveSources(
  ctx: AppContext,
  user: UserRow,
  files: FileItem[],
  messages: ChatMessage[],
  options: { queries?: string[] } = {},
): Promise<RetrievedSources> {
  const allFullContext = files.length > 0 && files.every((f) => f?.context === "full");
  const lastUser = lastUserMessage(messages) ?? "";
  const queries = options.queries?.filter((q) => q.trim()).length ? (options.queries as string[]) : [lastUser];
  const fullContext = allFullContext || Boolean(ctx.config.get("RAG_FULL_CONTEXT"));
  const bypass = Boolean(ctx.config.get("BYPASS_EMBEDDING_AND_RETRIEVAL"));
  const caller = await loadCaller(ctx.db, user);
  const extracted = new Set<string>();
  const results: (Partial & { file: FileItem })[] = [];

  for (const raw of files) {
    if (!raw || typeof raw !== "object") continue;
    const item = { ...raw };
    let result: Partial | null = null;
    let collections: string[] = [];

    if (item.type === "text") {
      if (item.context === "full" && item.file) result = fromFileData(item);
      if (!result) {
        if (item.collection_name) collections.push(item.collection_name);
        else if (item.file) result = fromFileData(item);
        else result = { documents: [[String(item.content ?? "")]], metadatas: [[{ file_id: item.id, name: item.name }]] };
      }
    } else if (item.type === "note") {
      result = await noteContent(ctx, caller, String(item.id ?? ""));
    } else if (item.type === "chat") {
      result = await chatContent(ctx, user, String(item.id ?? ""));
    } else if (item.type === "file") {
      if (item.context === "full" || bypass) {
        if (item.file?.data?.content) {
          result = {
            documents: [[item.file.data.content]],
            metadatas: [[{ file_id: item.id, name: item.name, ...(item.file.data.metadata ?? {}) }]],
          };
        } else if (item.id) {
          const file = await findAccessibleFile(ctx.db, item.id, user, "read", caller);
          if (file) {
            result = {
              documents: [[String(file.data?.content ?? "")]],
              metadatas: [[{ file_id: item.id, name: file.filename, source: file.filename }]],
            };
          }
        }
      } else if (item.id) {
        collections.push(item.legacy ? item.id : `file-${item.id}`);
      }
    } else if (item.type === "collection") {
      if (item.context === "full" || bypass) {
        result = await knowledgeContent(ctx, user, caller, String(item.id ?? ""));
      } else if (item.legacy) {
        collections = [...(item.collection_names ?? [])];
      } else if (item.id) {
        collections.push(item.id);
      }
    } else if (Array.isArray(item.docs)) {
      result = { documents: [item.docs.map((d) => String(d?.content ?? ""))], metadatas: [item.docs.map((d) => d?.metadata ?? {})] };
    } else if (item.collection_name) {
      collections.push(item.collection_name);
    } else if (Array.isArray(item.collection_names)) {
      collections.push(...item.collection_names);
    }

    if (!result && collections.length > 0) {
      const fresh: string[] = [];
      for (const name of new Set(collections)) {
        if (typeof name !== "string" || !name || extracted.has(name)) continue;
        if (await canUseCollection(ctx, user, name, "read", caller)) fresh.push(name);
      }
      if (fresh.length === 0) continue;
      try {
        result = fullContext ? await allChunks(ctx, fresh) : await queryCollections(ctx, user, fresh, queries, queryOptions(ctx));
      } catch (error) {
        ctx.log.warn("retrieval for a chat failed", error);
      }
      for (const name of fresh) extracted.add(name);
    }

    if (result) {
      delete item.data;
      results.push({ ...result, file: item });
    }
  }

  const sources: Source[] = [];
  for (const result of results) {
    const source: Source = { source: result.file, document: result.documents[0] ?? [], metadata: result.metadatas[0] ?? [] };
    if (result.distances?.length) source.distances = result.distances[0];
    sources.push(source);
  }
  const { context, count } = contextBlock(sources);
  return {
    sources: sources.filter((s) => s.source.name || s.source.id),
    all: sources,
    context,
    queries,
    count,
    allFullContext,
  };
}

/** The RAG template applied to the last user message (prepended), or a new user message. */
export function applyRagTemplate(ctx: AppContext, messages: ChatMessage[], context: string): ChatMessage[] {
  if (!context) return messages;
  const query = lastUserMessage(messages);
  if (query === null) throw new Error("No user message found");
  const text = ragTemplate(String(ctx.config.get("RAG_TEMPLATE") ?? ""), context, query);
  const out = [...messages];
  const last = out[out.length - 1];
  if (last?.role === "user") {
    out[out.length - 1] = { ...last, content: prependText(last.content, text) };
  } else {
    out.push({ role: "user", content: text });
  }
  return out;
}

/** Fills [context]/{{CONTEXT}} and [query]/{{QUERY}}; a query that itself contains a placeholder is not expanded twice. */
export function ragTemplate(template: string, context: string, query: string): string {
  let text = promptVariables(template.trim() === "" ? DEFAULT_RAG_TEMPLATE : template);
  const marker = `\u0000QUERY${crypto.randomUUID()}\u0000`;
  text = text.replaceAll("[query]", marker).replaceAll("{{QUERY}}", marker);
  text = text.replaceAll("[context]", context).replaceAll("{{CONTEXT}}", context);
  return text.replaceAll(marker, query);
}

function promptVariables(template: string): string {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  const date = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const time = `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
  return template
    .replaceAll("{{CURRENT_DATETIME}}", `${date} ${time}`)
    .replaceAll("{{CURRENT_DATE}}", date)
    .replaceAll("{{CURRENT_TIME}}", time)
    .replaceAll("{{CURRENT_WEEKDAY}}", now.toLocaleDateString("en-US", { weekday: "long" }))
    .replaceAll("{{CURRENT_TIMEZONE}}", Intl.DateTimeFormat().resolvedOptions().timeZone);
}

/** The sources as numbered `<source>` lines, one id per distinct source (get_sources_from_items). */
export function contextBlock(sources: Source[]): { context: string; count: number } {
  const ids = new Map<string, number>();
  let context = "";
  for (const source of sources) {
    const name = typeof source.source.name === "string" ? source.source.name : null;
    source.document.forEach((text, i) => {
      const metadata = source.metadata[i] ?? {};
      const id = String(metadata.source ?? source.source.id ?? "N/A");
      if (!ids.has(id)) ids.set(id, ids.size + 1);
      context += `<source id="${ids.get(id)}"${name ? ` name="${name}"` : ""}>${text}</source>\n`;
    });
  }
  return { context: context.trim(), count: ids.size };
}

export function lastUserMessage(messages: ChatMessage[]): string | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i] as ChatMessage;
    if (message.role !== "user") continue;
    if (typeof message.content === "string") return message.content;
    if (Array.isArray(message.content)) {
      const part = message.content.find((p) => p && typeof p === "object" && (p as { type?: string }).type === "text");
      return part ? String((part as { text?: unknown }).text ?? "") : "";
    }
    return "";
  }
  return null;
}

function prependText(content: unknown, text: string): unknown {
  if (Array.isArray(content)) {
    return content.map((part) =>
      part && typeof part === "object" && (part as { type?: string }).type === "text"
        ? { ...part, text: `${text}\n${(part as { text?: string }).text ?? ""}` }
        : part,
    );
  }
  return `${text}\n${typeof content === "string" ? content : ""}`;
}

function fromFileData(item: FileItem): Partial {
  return { documents: [[String(item.file?.data?.content ?? "")]], metadatas: [[item.file?.meta ?? {}]] };
}

async function knowledgeContent(ctx: AppContext, user: UserRow, caller: Caller, id: string): Promise<Partial | null> {
  const knowledge = await findKnowledge(ctx.db, id);
  if (!knowledge || !canAccess(caller, knowledge, "read")) return null;
  const documents: string[] = [];
  const metadatas: Metadata[] = [];
  for (const fileId of fileIdsOf(knowledge)) {
    const file = await findAccessibleFile(ctx.db, fileId, user, "read", caller);
    if (!file) continue;
    documents.push(String(file.data?.content ?? ""));
    metadatas.push({ file_id: fileId, name: file.filename, source: file.filename });
  }
  return { documents: [documents], metadatas: [metadatas] };
}

async function noteContent(ctx: AppContext, caller: Caller, id: string): Promise<Partial | null> {
  const { note } = ctx.db.t;
  const [row] = await ctx.db.read.select().from(note).where(eq(note.id, id)).limit(1);
  if (!row || !canAccess(caller, { user_id: row.user_id ?? "", access_control: row.access_control }, "read")) return null;
  const data = (row.data ?? {}) as { content?: { md?: string } };
  return { documents: [[String(data.content?.md ?? "")]], metadatas: [[{ file_id: row.id, name: row.title }]] };
}

async function chatContent(ctx: AppContext, user: UserRow, id: string): Promise<Partial | null> {
  const { chat } = ctx.db.t;
  const where = user.role === "admin" ? eq(chat.id, id) : and(eq(chat.id, id), eq(chat.user_id, user.id));
  const [row] = await ctx.db.read.select({ id: chat.id, title: chat.title, chat: chat.chat }).from(chat).where(where).limit(1);
  if (!row) return null;
  const history = ((row.chat ?? {}) as { history?: { messages?: Record<string, Record<string, unknown>>; currentId?: string } }).history;
  const map = history?.messages ?? {};
  const list: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  for (let current = history?.currentId; current && map[current] && !seen.has(current); current = map[current]?.parentId as string) {
    seen.add(current);
    list.unshift(map[current] as Record<string, unknown>);
  }
  if (list.length === 0) return null;
  const text = list
    .map((m) => {
      const role = String(m.role ?? "user");
      return `#### ${role.charAt(0).toUpperCase()}${role.slice(1)}\n${m.content}\n`;
    })
    .join("\n");
  return { documents: [[text]], metadatas: [[{ file_id: row.id, name: row.title }]] };
}

export type { QueryResult };
