// The chat document (`chat.chat`) as plain data: parsing request bodies, merging a client save
// into the stored document, and upserting one message. Everything here takes and returns
// strings or small values, so it can run inline or, for huge chats, in a worker thread.

export type Json = Record<string, unknown>;

/**
 * Messages the server wrote that the client has not caught up with yet, by message id:
 * which fields the server wrote and when. Kept in `chat.meta` under LEDGER_KEY, never shown
 * in responses. A client save cannot roll these fields back to an older value, and cannot
 * drop these messages, until the client has sent the server's value once.
 */
export type Ledger = Record<string, { fields: string[]; at: number }>;
export const LEDGER_KEY = "unsynced_messages";
const LEDGER_TTL_SECONDS = 3600;

export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input?: unknown;
}

/** A problem with the request: 422 with pydantic-like issues, or 400 with a detail string. */
export type Rejection = { invalid: ValidationIssue[] } | { bad: string };

export function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Serializing

/**
 * JSON text for storage. `\u0000` escapes are removed: PostgreSQL cannot extract such strings
 * (`->>` fails), which would break search for the whole chat list.
 */
export function toStoredText(value: unknown): string {
  const text = JSON.stringify(value);
  if (!text.includes("\\u0000")) return text;
  return text.replace(/(\\+)u0000/g, (match, slashes: string) =>
    slashes.length % 2 === 1 ? slashes.slice(0, -1) : match,
  );
}

/** Stored JSON text that is an object, or "{}" (SQL NULL and JSON null read as empty). */
export function objectText(raw: string | null | undefined): string {
  if (!raw) return "{}";
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    return c === 0x7b ? raw : "{}";
  }
  return "{}";
}

export function parseObject(raw: string | null | undefined): Json {
  if (!raw) return {};
  try {
    const value = JSON.parse(raw);
    return isObject(value) ? value : {};
  } catch {
    return {};
  }
}

/** The `title` column for a chat document: its `title`, or "New Chat" when absent. */
export function titleOf(chat: Json): string | Rejection {
  if (!("title" in chat) || chat.title === undefined) return "New Chat";
  return typeof chat.title === "string" ? chat.title : { bad: "Something went wrong :/" };
}

// ---------------------------------------------------------------------------------------------
// Request bodies

export interface PreparedChat {
  chatText: string;
  title: string;
  folderId: string | null;
  meta: Json;
  pinned: boolean | null;
  createdAt: number | null;
  updatedAt: number | null;
}

function parseBody(bodyText: string): Json | Rejection {
  if (!bodyText.trim()) return { invalid: [{ type: "missing", loc: ["body"], msg: "Field required" }] };
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    return { invalid: [{ type: "json_invalid", loc: ["body"], msg: "JSON decode error" }] };
  }
  if (!isObject(body)) {
    return { invalid: [{ type: "model_attributes_type", loc: ["body"], msg: "Input should be a valid dictionary or object to extract fields from", input: body }] };
  }
  return body;
}

type FieldKind = "object" | "string?" | "object?" | "bool?" | "int?";

const EXPECTED: Record<string, [type: string, msg: string]> = {
  object: ["dict_type", "Input should be a valid dictionary"],
  string: ["string_type", "Input should be a valid string"],
  bool: ["bool_type", "Input should be a valid boolean"],
  int: ["int_type", "Input should be a valid integer"],
};

/** Pydantic-style checks of the top-level fields of a form. */
function fieldIssues(body: Json, fields: Record<string, FieldKind>) {
  const issues: ValidationIssue[] = [];
  for (const [name, kind] of Object.entries(fields)) {
    const value = body[name];
    const optional = kind.endsWith("?");
    const base = kind.replace("?", "");
    if (value === undefined || (optional && value === null)) {
      if (!optional) issues.push({ type: "missing", loc: ["body", name], msg: "Field required", input: body });
      continue;
    }
    const ok =
      base === "object" ? isObject(value)
      : base === "string" ? typeof value === "string"
      : base === "bool" ? typeof value === "boolean"
      : Number.isInteger(value);
    if (!ok) {
      const [type, msg] = EXPECTED[base]!;
      issues.push({ type, loc: ["body", name], msg, input: value });
    }
  }
  return issues;
}

/** The ChatForm checks alone (body shape and field types), for answering 422 before any work. */
export function checkChatForm(bodyText: string): Rejection | null {
  const body = parseBody(bodyText);
  if ("invalid" in body || "bad" in body) return body as Rejection;
  const issues = fieldIssues(body, { chat: "object", folder_id: "string?" });
  return issues.length > 0 ? { invalid: issues } : null;
}

/** `{"chat": {...}, "folder_id"}` (new) or the import form with meta, pinned and timestamps. */
export function prepareChat(args: { bodyText: string; mode: "new" | "import" }): { ok: PreparedChat } | Rejection {
  const body = parseBody(args.bodyText);
  if ("invalid" in body || "bad" in body) return body as Rejection;
  const issues = fieldIssues(
    body,
    args.mode === "new"
      ? { chat: "object", folder_id: "string?" }
      : { chat: "object", folder_id: "string?", meta: "object?", pinned: "bool?", created_at: "int?", updated_at: "int?" },
  );
  if (issues.length > 0) return { invalid: issues };
  const chat = body.chat as Json;
  const title = titleOf(chat);
  if (typeof title !== "string") return title;
  const meta = args.mode === "import" && isObject(body.meta) ? { ...body.meta } : {};
  delete meta[LEDGER_KEY];
  return {
    ok: {
      chatText: toStoredText(chat),
      title,
      folderId: (body.folder_id as string | null | undefined) ?? null,
      meta,
      pinned: args.mode === "import" && body.pinned !== undefined ? (body.pinned as boolean | null) : false,
      createdAt: (body.created_at as number | null | undefined) || null,
      updatedAt: (body.updated_at as number | null | undefined) || null,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// History helpers

type Messages = Record<string, Json>;

function messagesOf(chat: Json): Messages | null {
  const history = chat.history;
  if (!isObject(history) || !isObject(history.messages)) return null;
  return history.messages as Messages;
}

/** The branch from the root to `leafId`, like the frontend's createMessagesList; null if broken. */
export function branchTo(messages: Messages, leafId: unknown): Json[] | null {
  if (typeof leafId !== "string") return null;
  const branch: Json[] = [];
  const seen = new Set<string>();
  let id: unknown = leafId;
  while (typeof id === "string" && id) {
    const message = messages[id];
    if (!isObject(message) || seen.has(id)) return null;
    seen.add(id);
    branch.push(message);
    id = message.parentId;
  }
  return branch.reverse();
}

function linkToParent(messages: Messages, id: string): void {
  const message = messages[id];
  const parentId = message?.parentId;
  if (typeof parentId !== "string") return;
  const parent = messages[parentId];
  if (!isObject(parent)) return;
  const children = Array.isArray(parent.childrenIds) ? (parent.childrenIds as unknown[]) : [];
  if (!children.includes(id)) messages[parentId] = { ...parent, childrenIds: [...children, id] };
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => deepEqual(item, other[i]));
  }
  const left = a as Json;
  const right = b as Json;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  return keys.every((key) => key in right && deepEqual(left[key], right[key]));
}

/**
 * True when the client's value looks like an older state of the server's: missing, a prefix
 * of the streamed text, a shorter prefix of a list, or "not done" against "done".
 */
export function isBehind(server: unknown, client: unknown): boolean {
  if (client === undefined || client === null) return server !== undefined && server !== null;
  if (typeof server === "string" && typeof client === "string") return client !== server && server.startsWith(client);
  if (server === true && client === false) return true;
  if (Array.isArray(server) && Array.isArray(client)) {
    return client.length < server.length && client.every((item, i) => deepEqual(item, server[i]));
  }
  return false;
}

function pruneLedger(ledger: Ledger, messages: Messages | null, now: number): Ledger {
  const kept: Ledger = {};
  for (const [id, entry] of Object.entries(ledger)) {
    if (!isObject(entry) || !Array.isArray(entry.fields) || typeof entry.at !== "number") continue;
    if (now - entry.at > LEDGER_TTL_SECONDS || !messages || !isObject(messages[id]) || entry.fields.length === 0) continue;
    kept[id] = entry;
  }
  return kept;
}

export function ledgerOf(meta: Json): Ledger {
  return isObject(meta[LEDGER_KEY]) ? (meta[LEDGER_KEY] as Ledger) : {};
}

export function withLedger(meta: Json, ledger: Ledger): Json {
  const next = { ...meta };
  if (Object.keys(ledger).length > 0) next[LEDGER_KEY] = ledger;
  else delete next[LEDGER_KEY];
  return next;
}

/** Meta as responses show it: without the ledger. */
export function publicMeta(meta: unknown): Json {
  if (!isObject(meta)) return {};
  if (!(LEDGER_KEY in meta)) return meta;
  const { [LEDGER_KEY]: _ledger, ...rest } = meta;
  return rest;
}

// ---------------------------------------------------------------------------------------------
// A client save (POST /api/v1/chats/{id})

export interface MergeResult {
  chatText: string;
  title: string;
  ledger: Ledger;
}

/**
 * `{...stored, ...posted}` like Open WebUI, except inside `history.messages`: messages the
 * server wrote that the client has not seen survive, and server-written fields are not rolled
 * back to an older state the client still holds.
 */
export function mergeClientSave(args: { storedText: string; ledger: Ledger; bodyText: string; now: number }): MergeResult | Rejection {
  const body = parseBody(args.bodyText);
  if ("invalid" in body || "bad" in body) return body as Rejection;
  const issues = fieldIssues(body, { chat: "object", folder_id: "string?" });
  if (issues.length > 0) return { invalid: issues };
  const stored = parseObject(args.storedText);
  const posted = body.chat as Json;
  const merged: Json = { ...stored, ...posted };
  const storedMessages = messagesOf(stored);
  const postedMessages = messagesOf(posted);
  let ledger = pruneLedger(args.ledger, storedMessages, args.now);

  if (storedMessages && postedMessages && Object.keys(ledger).length > 0) {
    const result = mergeMessages(storedMessages, postedMessages, ledger);
    ledger = result.ledger;
    if (result.changed) {
      const history: Json = { ...(posted.history as Json), messages: result.messages };
      merged.history = history;
      const branch = branchTo(result.messages, history.currentId);
      if (branch) merged.messages = branch;
    }
  }
  const title = titleOf(merged);
  if (typeof title !== "string") return title;
  ledger = pruneLedger(ledger, messagesOf(merged), args.now);
  return { chatText: toStoredText(merged), title, ledger };
}

function mergeMessages(stored: Messages, posted: Messages, ledger: Ledger) {
  const messages: Messages = { ...posted };
  const next: Ledger = {};
  let changed = false;
  for (const [id, entry] of Object.entries(ledger)) {
    const server = stored[id];
    if (!isObject(server) || !Array.isArray(entry?.fields)) continue;
    const client = posted[id];
    if (!isObject(client)) {
      // Written by the server, never seen by the client: keep it.
      messages[id] = server;
      next[id] = entry;
      changed = true;
      continue;
    }
    const pending: string[] = [];
    let message = client;
    for (const field of entry.fields) {
      if (!(field in server)) continue;
      if (isBehind(server[field], client[field])) {
        message = { ...message, [field]: server[field] };
        pending.push(field);
        changed = true;
      }
    }
    messages[id] = message;
    if (pending.length > 0) next[id] = { fields: pending, at: entry.at };
  }
  if (changed) for (const id of Object.keys(next)) if (!isObject(posted[id])) linkToParent(messages, id);
  return { messages, ledger: next, changed };
}

// ---------------------------------------------------------------------------------------------
// Server-side writes to one message

export type MessageChange =
  /** Merge these fields into the message (create it if missing); it becomes the current one. */
  | { kind: "upsert"; patch: Json }
  /** Append to `statusHistory` (only if the message exists). */
  | { kind: "status"; status: unknown }
  /** Append text to `content` (only if the message exists). */
  | { kind: "append-content"; content: string }
  /** Put new items in front of `embeds` or `files`. */
  | { kind: "prepend"; field: "embeds" | "files"; items: unknown[] }
  /** Append one entry to `sources`. */
  | { kind: "source"; source: unknown };

export interface MessageChangeResult {
  chatText: string;
  ledger: Ledger;
  changed: boolean;
}

function stripNul(value: unknown): unknown {
  return typeof value === "string" && value.includes("\u0000") ? value.replaceAll("\u0000", "") : value;
}

/** What the change writes, as a patch on the existing message (null: nothing to do). */
function patchFor(change: MessageChange, existing: Json | undefined): Json | null {
  switch (change.kind) {
    case "upsert": {
      const patch = { ...change.patch };
      if ("content" in patch) patch.content = stripNul(patch.content);
      return patch;
    }
    case "status": {
      if (!existing) return null;
      const history = Array.isArray(existing.statusHistory) ? existing.statusHistory : [];
      return { statusHistory: [...history, change.status] };
    }
    case "append-content": {
      if (!existing) return null;
      const before = typeof existing.content === "string" ? existing.content : "";
      return { content: stripNul(before + change.content) };
    }
    case "prepend": {
      const before = Array.isArray(existing?.[change.field]) ? (existing?.[change.field] as unknown[]) : [];
      return { [change.field]: [...change.items, ...before] };
    }
    case "source": {
      const before = Array.isArray(existing?.sources) ? (existing?.sources as unknown[]) : [];
      return { sources: [...before, change.source] };
    }
  }
}

/**
 * Applies one server-side change to `history.messages[messageId]`. Like Open WebUI's upsert the
 * message becomes `history.currentId` (except for status entries); unlike it, a new message is
 * linked into its parent's `childrenIds`, and the flat `messages` list follows the branch.
 */
export function changeMessage(args: {
  storedText: string;
  ledger: Ledger;
  messageId: string;
  change: MessageChange;
  now: number;
}): MessageChangeResult {
  const chat = parseObject(args.storedText);
  const history: Json = isObject(chat.history) ? { ...chat.history } : {};
  const messages: Messages = isObject(history.messages) ? { ...(history.messages as Messages) } : {};
  const existing = isObject(messages[args.messageId]) ? messages[args.messageId] : undefined;
  const patch = patchFor(args.change, existing);
  if (!patch) return { chatText: args.storedText, ledger: args.ledger, changed: false };

  messages[args.messageId] = existing ? { ...existing, ...patch } : { ...patch };
  if (!existing) linkToParent(messages, args.messageId);
  history.messages = messages;
  if (args.change.kind !== "status") history.currentId = args.messageId;
  chat.history = history;
  const branch = branchTo(messages, history.currentId);
  if (branch) chat.messages = branch;

  const written = existing ? Object.keys(patch) : Object.keys(messages[args.messageId]!);
  const previous = args.ledger[args.messageId]?.fields ?? [];
  const fields = [...new Set([...previous, ...written])].filter((f) => f !== "id");
  const ledger = pruneLedger({ ...args.ledger, [args.messageId]: { fields, at: args.now } }, messages, args.now);
  return { chatText: toStoredText(chat), ledger, changed: true };
}

// ---------------------------------------------------------------------------------------------
// Clones

/** The document of a clone: marks where it came from and which message it branched at. */
export function cloneDocument(args: { storedText: string; originalId: string; title: string }): { chatText: string; title: string } {
  const chat = parseObject(args.storedText);
  const history = isObject(chat.history) ? chat.history : {};
  const clone = {
    ...chat,
    originalChatId: args.originalId,
    branchPointMessageId: history.currentId ?? null,
    title: args.title,
  };
  return { chatText: toStoredText(clone), title: args.title };
}

/** The document with a new `title`. */
export function retitleDocument(args: { storedText: string; title: string }): { chatText: string } {
  return { chatText: toStoredText({ ...parseObject(args.storedText), title: args.title }) };
}

export const OPERATIONS = { prepareChat, mergeClientSave, changeMessage, cloneDocument, retitleDocument };
export type Operations = typeof OPERATIONS;
