// The chat document logic on its own: merging a client save, upserting messages, the ledger.
import { describe, expect, test } from "bun:test";
import {
  branchTo,
  changeMessage,
  cloneDocument,
  isBehind,
  LEDGER_KEY,
  mergeClientSave,
  objectText,
  prepareChat,
  publicMeta,
  toStoredText,
  type Json,
  type Ledger,
} from "../../src/chats/chat-json";

const NOW = 1_800_000_000;
const m = (id: string, parentId: string | null, content: string, extra: Json = {}) => ({
  id,
  parentId,
  childrenIds: [] as string[],
  role: parentId ? "assistant" : "user",
  content,
  ...extra,
});

function chatWith(messages: Json[], currentId: string): Json {
  const byId: Record<string, Json> = {};
  for (const message of messages) byId[message.id as string] = message;
  for (const message of messages) {
    const parent = message.parentId as string | null;
    if (parent && byId[parent]) (byId[parent]!.childrenIds as string[]).push(message.id as string);
  }
  return { title: "T", history: { currentId, messages: byId }, messages: branchTo(byId, currentId) };
}

function merge(stored: Json, posted: Json, ledger: Ledger = {}) {
  const result = mergeClientSave({ storedText: JSON.stringify(stored), ledger, bodyText: JSON.stringify({ chat: posted }), now: NOW });
  if ("invalid" in result || "bad" in result) throw new Error(JSON.stringify(result));
  return { chat: JSON.parse(result.chatText) as Json, ledger: result.ledger, title: result.title };
}

function upsert(stored: Json, messageId: string, patch: Json, ledger: Ledger = {}) {
  const result = changeMessage({ storedText: JSON.stringify(stored), ledger, messageId, change: { kind: "upsert", patch }, now: NOW });
  return { chat: JSON.parse(result.chatText) as Json, ledger: result.ledger };
}

const messagesOf = (chat: Json) => (chat.history as Json).messages as Record<string, Json>;

describe("client save without server writes", () => {
  test("is Open WebUI's shallow merge: posted keys replace stored ones, others stay", () => {
    const stored = { ...chatWith([m("u", null, "hi")], "u"), title: "Old", extra: 1 };
    const posted = { title: "New", params: { temperature: 1 } };
    const { chat, title } = merge(stored, posted);
    expect(chat).toEqual({ ...stored, ...posted });
    expect(title).toBe("New");
  });

  test("the client may delete messages and edit anything", () => {
    const stored = chatWith([m("u", null, "hi"), m("a", "u", "hello")], "a");
    const posted = chatWith([m("u", null, "hi, edited")], "u");
    const { chat } = merge(stored, posted);
    expect(Object.keys(messagesOf(chat))).toEqual(["u"]);
    expect(messagesOf(chat).u!.content).toBe("hi, edited");
  });

  test("a missing title column value reads as New Chat; a non-string title is refused", () => {
    expect(merge({}, { models: [] }).title).toBe("New Chat");
    const bad = mergeClientSave({ storedText: "{}", ledger: {}, bodyText: JSON.stringify({ chat: { title: null } }), now: NOW });
    expect(bad).toEqual({ bad: "Something went wrong :/" });
  });

  test("invalid bodies are 422 issues", () => {
    const run = (bodyText: string) => mergeClientSave({ storedText: "{}", ledger: {}, bodyText, now: NOW });
    expect(run("")).toEqual({ invalid: [{ type: "missing", loc: ["body"], msg: "Field required" }] });
    expect(run("{oops")).toMatchObject({ invalid: [{ type: "json_invalid" }] });
    expect(run("{}")).toMatchObject({ invalid: [{ type: "missing", loc: ["body", "chat"] }] });
    expect(run('{"chat": "x"}')).toMatchObject({ invalid: [{ type: "dict_type", loc: ["body", "chat"] }] });
  });
});

describe("server upsert", () => {
  test("merges into an existing message and makes it current", () => {
    const stored = chatWith([m("u", null, "hi"), m("a", "u", "")], "u");
    const { chat, ledger } = upsert(stored, "a", { content: "Hello!", done: true });
    expect(messagesOf(chat).a).toMatchObject({ content: "Hello!", done: true, role: "assistant" });
    expect((chat.history as Json).currentId).toBe("a");
    expect((chat.messages as Json[]).map((x) => x.id)).toEqual(["u", "a"]);
    expect(ledger.a!.fields.sort()).toEqual(["content", "done"]);
  });

  test("creates a missing message, links it to its parent, strips NUL characters", () => {
    const stored = chatWith([m("u", null, "hi")], "u");
    const { chat } = upsert(stored, "a", { id: "a", parentId: "u", childrenIds: [], role: "assistant", content: "x\u0000y" });
    expect(messagesOf(chat).a!.content).toBe("xy");
    expect(messagesOf(chat).u!.childrenIds).toEqual(["a"]);
    expect((chat.messages as Json[]).map((x) => x.id)).toEqual(["u", "a"]);
  });

  test("status entries append without moving currentId; missing messages are left alone", () => {
    const stored = chatWith([m("u", null, "hi"), m("a", "u", "x")], "u");
    const run = (messageId: string) =>
      changeMessage({ storedText: JSON.stringify(stored), ledger: {}, messageId, change: { kind: "status", status: { done: false } }, now: NOW });
    const result = run("a");
    const chat = JSON.parse(result.chatText);
    expect(chat.history.messages.a.statusHistory).toEqual([{ done: false }]);
    expect(chat.history.currentId).toBe("u");
    expect(run("nope").changed).toBe(false);
  });
});

describe("client save after server writes (no lost update)", () => {
  const base = chatWith([m("u", null, "question"), m("a", "u", "")], "a");

  test("a stale copy of the reply does not roll it back", () => {
    const server = upsert(base, "a", { content: "The full answer", done: true });
    const stale = chatWith([m("u", null, "question"), m("a", "u", "The fu", { done: false })], "a");
    const { chat, ledger } = merge(server.chat, { ...stale, params: { x: 1 } }, server.ledger);
    expect(messagesOf(chat).a).toMatchObject({ content: "The full answer", done: true });
    expect((chat.messages as Json[])[1]!.content).toBe("The full answer");
    expect(chat.params).toEqual({ x: 1 });
    expect(ledger.a!.fields.sort()).toEqual(["content", "done"]);
  });

  test("a message the client never saw survives, linked into the tree", () => {
    const stored = chatWith([m("u", null, "question")], "u");
    const server = upsert(stored, "a", { id: "a", parentId: "u", role: "assistant", content: "reply" });
    const posted = chatWith([m("u", null, "question"), m("u2", null, "another root")], "u2");
    const { chat } = merge(server.chat, posted, server.ledger);
    expect(messagesOf(chat).a!.content).toBe("reply");
    expect(messagesOf(chat).u!.childrenIds).toEqual(["a"]);
    expect(messagesOf(chat).u2!.content).toBe("another root");
  });

  test("once the client has sent the server's value, its later edits and deletions win", () => {
    const server = upsert(base, "a", { content: "answer" });
    const caughtUp = chatWith([m("u", null, "question"), m("a", "u", "answer")], "a");
    const first = merge(server.chat, caughtUp, server.ledger);
    expect(first.ledger).toEqual({});
    const edited = chatWith([m("u", null, "question"), m("a", "u", "ans")], "a");
    expect(messagesOf(merge(first.chat, edited, first.ledger).chat).a!.content).toBe("ans");
    const deleted = chatWith([m("u", null, "question")], "u");
    expect(messagesOf(merge(first.chat, deleted, first.ledger).chat).a).toBeUndefined();
  });

  test("a client value that diverges (not an older state) wins, e.g. an outlet filter's rewrite", () => {
    const server = upsert(base, "a", { content: "raw answer" });
    const filtered = chatWith([m("u", null, "question"), m("a", "u", "Filtered answer")], "a");
    const { chat, ledger } = merge(server.chat, filtered, server.ledger);
    expect(messagesOf(chat).a!.content).toBe("Filtered answer");
    expect(ledger).toEqual({});
  });

  test("entries expire and follow deleted messages", () => {
    const server = upsert(base, "a", { content: "answer" });
    const old = { a: { ...server.ledger.a!, at: NOW - 7200 } };
    const stale = chatWith([m("u", null, "question"), m("a", "u", "")], "a");
    expect(messagesOf(merge(server.chat, stale, old).chat).a!.content).toBe("");
  });
});

describe("helpers", () => {
  test("isBehind recognises older states only", () => {
    expect(isBehind("abc", "ab")).toBe(true);
    expect(isBehind("abc", undefined)).toBe(true);
    expect(isBehind(true, false)).toBe(true);
    expect(isBehind([1, 2], [1])).toBe(true);
    expect(isBehind("abc", "abc")).toBe(false);
    expect(isBehind("abc", "xyz")).toBe(false);
    expect(isBehind([1, 2], [3])).toBe(false);
  });

  test("branchTo walks parents and refuses cycles", () => {
    const messages = { a: { id: "a", parentId: null }, b: { id: "b", parentId: "a" }, c: { id: "c", parentId: "c" } };
    expect(branchTo(messages, "b")!.map((x) => x.id)).toEqual(["a", "b"]);
    expect(branchTo(messages, "c")).toBeNull();
    expect(branchTo(messages, "zz")).toBeNull();
  });

  test("stored text drops NUL escapes but keeps escaped backslashes", () => {
    expect(toStoredText({ a: "x\u0000y", b: "\\u0000" })).toBe('{"a":"xy","b":"\\\\u0000"}');
    expect(JSON.parse(toStoredText({ b: "\\u0000" })).b).toBe("\\u0000");
  });

  test("objectText and publicMeta", () => {
    expect(objectText(null)).toBe("{}");
    expect(objectText("null")).toBe("{}");
    expect(objectText(' {"a":1}')).toBe(' {"a":1}');
    expect(publicMeta({ tags: ["x"], [LEDGER_KEY]: {} })).toEqual({ tags: ["x"] });
  });

  test("prepareChat: titles, import fields, the ledger is never imported", () => {
    const body = { chat: { title: "A" }, meta: { tags: ["t"], [LEDGER_KEY]: { a: {} } }, pinned: null, created_at: 5 };
    const result = prepareChat({ bodyText: JSON.stringify(body), mode: "import" });
    expect(result).toMatchObject({ ok: { title: "A", meta: { tags: ["t"] }, pinned: null, createdAt: 5, updatedAt: null } });
    expect(prepareChat({ bodyText: '{"chat":{}}', mode: "new" })).toMatchObject({ ok: { title: "New Chat", pinned: false } });
    expect(prepareChat({ bodyText: '{"chat":{},"folder_id":3}', mode: "new" })).toMatchObject({
      invalid: [{ type: "string_type", loc: ["body", "folder_id"] }],
    });
  });

  test("cloneDocument records its origin and branch point", () => {
    const stored = JSON.stringify(chatWith([m("u", null, "hi")], "u"));
    const clone = JSON.parse(cloneDocument({ storedText: stored, originalId: "orig", title: "Copy" }).chatText);
    expect(clone).toMatchObject({ originalChatId: "orig", branchPointMessageId: "u", title: "Copy" });
  });
});
