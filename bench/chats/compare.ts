// Runs the same sequence of chat and folder requests against the Python reference and against
// this backend, and prints where status codes or response shapes differ (ids and timestamps are
// normalised). Run by hand:
//   REF_URL=http://127.0.0.1:8081 REF_PASSWORDS='admin@example.com:pw,bob@example.com:pw,eve@example.com:pw,pat@example.com:pw' \
//   bun bench/chats/compare.ts
// The four reference accounts must exist (admin, two users, one pending). This backend runs in
// process on a fresh SQLite database (or DATABASE_URL).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signToken } from "../../src/core/jwt";
import { startServer } from "../../src/server";
import { insertUser } from "../../test/support/users";

type Side = { base: string; tokens: Record<Who, string>; ids: Map<string, string> };
type Who = "admin" | "bob" | "eve" | "pat";

const refUrl = process.env.REF_URL ?? "http://127.0.0.1:8081";
const passwords = Object.fromEntries(
  (process.env.REF_PASSWORDS ?? "").split(",").filter(Boolean).map((pair) => pair.split(":") as [string, string]),
);

async function refTokens(): Promise<Record<Who, string>> {
  const tokens = {} as Record<Who, string>;
  for (const who of ["admin", "bob", "eve", "pat"] as Who[]) {
    const email = `${who}@example.com`;
    const res = await fetch(`${refUrl}/api/v1/auths/signin`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: passwords[email] }),
    });
    if (!res.ok) throw new Error(`cannot sign in ${email} on the reference: ${res.status}`);
    tokens[who] = ((await res.json()) as { token: string }).token;
  }
  return tokens;
}

async function ourSide(): Promise<{ side: Side; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), "owb-compare-"));
  const secret = "compare-secret";
  const server = await startServer({
    port: 0,
    hostname: "127.0.0.1",
    source: { DATA_DIR: dataDir, WEBUI_SECRET_KEY: secret, ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}) },
  });
  const tokens = {} as Record<Who, string>;
  for (const [who, role] of [["admin", "admin"], ["bob", "user"], ["eve", "user"], ["pat", "pending"]] as const) {
    const row = await insertUser(server.ctx, { role, email: `${who}-${crypto.randomUUID()}@example.com` });
    tokens[who] = signToken({ id: row.id }, secret);
  }
  return { side: { base: server.url, tokens, ids: new Map() }, stop: () => server.stop(1000) };
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

function normalise(value: unknown, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => normalise(v));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(UUID, "<uuid>"), normalise(v, k)]));
  }
  if (typeof value === "number" && /(_at|timestamp)$/.test(key)) return "<ts>";
  if (typeof value === "string") return value.replace(/shared-<uuid>/g, "shared-<uuid>").replace(UUID, "<uuid>");
  return value;
}

interface Step {
  name: string;
  who: Who;
  method: string;
  path: string;
  body?: unknown;
  /** Remember a field of the response under a name, for later paths (`{name}`). */
  save?: Record<string, string>;
}

function fill(side: Side, text: string): string {
  return text.replace(/\{(\w+)\}/g, (_, name: string) => side.ids.get(name) ?? `missing-${name}`);
}

async function run(side: Side, step: Step) {
  const body = step.body === undefined ? undefined : JSON.parse(fill(side, JSON.stringify(step.body)));
  const res = await fetch(`${side.base}${fill(side, step.path)}`, {
    method: step.method,
    headers: { authorization: `Bearer ${side.tokens[step.who]}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {}
  for (const [name, field] of Object.entries(step.save ?? {})) {
    const value = field.split(".").reduce<any>((v, k) => v?.[k], json);
    if (typeof value === "string") side.ids.set(name, value);
  }
  return { status: res.status, json };
}

const msg = (id: string, parentId: string | null, role: string, content: string, children: string[] = []) => ({
  id,
  parentId,
  childrenIds: children,
  role,
  content,
  timestamp: 1730000000,
  ...(role === "user" ? { models: ["gpt-4o"] } : { model: "gpt-4o", modelName: "GPT-4o", modelIdx: 0, done: true }),
});

const history = {
  currentId: "m2",
  messages: { m1: msg("m1", null, "user", "Hello there", ["m2"]), m2: msg("m2", "m1", "assistant", "General Kenobi") },
};
const newChat = {
  chat: {
    id: "",
    title: "New Chat",
    models: ["gpt-4o"],
    params: {},
    history,
    messages: [history.messages.m1, history.messages.m2],
    tags: [],
    timestamp: 1730000000000,
  },
  folder_id: null,
};

const STEPS: Step[] = [
  { name: "create", who: "bob", method: "POST", path: "/api/v1/chats/new", body: newChat, save: { chat: "id" } },
  { name: "create without chat", who: "bob", method: "POST", path: "/api/v1/chats/new", body: {} },
  { name: "create, chat not an object", who: "bob", method: "POST", path: "/api/v1/chats/new", body: { chat: [] } },
  { name: "get", who: "bob", method: "GET", path: "/api/v1/chats/{chat}" },
  { name: "get as other user", who: "eve", method: "GET", path: "/api/v1/chats/{chat}" },
  { name: "get as pending", who: "pat", method: "GET", path: "/api/v1/chats/{chat}" },
  { name: "list page 1", who: "bob", method: "GET", path: "/api/v1/chats/?page=1" },
  { name: "list alias", who: "bob", method: "GET", path: "/api/v1/chats/list" },
  { name: "list bad page", who: "bob", method: "GET", path: "/api/v1/chats/?page=abc" },
  {
    name: "save whole chat",
    who: "bob",
    method: "POST",
    path: "/api/v1/chats/{chat}",
    body: { chat: { models: ["gpt-4o"], history, messages: [history.messages.m1, history.messages.m2], params: {}, files: [] } },
  },
  { name: "rename", who: "bob", method: "POST", path: "/api/v1/chats/{chat}", body: { chat: { title: "Star Wars" } } },
  { name: "save as other user", who: "eve", method: "POST", path: "/api/v1/chats/{chat}", body: { chat: { title: "pwned" } } },
  { name: "pinned status", who: "bob", method: "GET", path: "/api/v1/chats/{chat}/pinned" },
  { name: "pin", who: "bob", method: "POST", path: "/api/v1/chats/{chat}/pin" },
  { name: "pin as other", who: "eve", method: "POST", path: "/api/v1/chats/{chat}/pin" },
  { name: "pinned list", who: "bob", method: "GET", path: "/api/v1/chats/pinned" },
  { name: "add tag", who: "bob", method: "POST", path: "/api/v1/chats/{chat}/tags", body: { name: "Work Stuff" } },
  { name: "add tag none", who: "bob", method: "POST", path: "/api/v1/chats/{chat}/tags", body: { name: "None" } },
  { name: "add tag as other", who: "eve", method: "POST", path: "/api/v1/chats/{chat}/tags", body: { name: "x" } },
  { name: "chat tags", who: "bob", method: "GET", path: "/api/v1/chats/{chat}/tags" },
  { name: "chat tags as other", who: "eve", method: "GET", path: "/api/v1/chats/{chat}/tags" },
  { name: "all tags", who: "bob", method: "GET", path: "/api/v1/chats/all/tags" },
  { name: "chats by tag", who: "bob", method: "POST", path: "/api/v1/chats/tags", body: { name: "Work Stuff" } },
  { name: "search words", who: "bob", method: "GET", path: "/api/v1/chats/search?text=kenobi" },
  { name: "search title", who: "bob", method: "GET", path: "/api/v1/chats/search?text=star" },
  { name: "search tag", who: "bob", method: "GET", path: "/api/v1/chats/search?text=tag:work_stuff" },
  { name: "search pinned", who: "bob", method: "GET", path: "/api/v1/chats/search?text=pinned:true" },
  { name: "search empty", who: "bob", method: "GET", path: "/api/v1/chats/search?text=" },
  { name: "search no text", who: "bob", method: "GET", path: "/api/v1/chats/search" },
  { name: "folder create", who: "bob", method: "POST", path: "/api/v1/folders/", body: { name: "Project" }, save: { folder: "id" } },
  { name: "folder duplicate", who: "bob", method: "POST", path: "/api/v1/folders/", body: { name: "project" } },
  { name: "folder create 2", who: "bob", method: "POST", path: "/api/v1/folders/", body: { name: "Child", meta: { icon: "x" } }, save: { child: "id" } },
  { name: "folder list", who: "bob", method: "GET", path: "/api/v1/folders/" },
  { name: "folder get", who: "bob", method: "GET", path: "/api/v1/folders/{folder}" },
  { name: "folder get as other", who: "eve", method: "GET", path: "/api/v1/folders/{folder}" },
  {
    name: "folder update",
    who: "bob",
    method: "POST",
    path: "/api/v1/folders/{folder}/update",
    body: { name: "Project X", data: { system_prompt: "Be brief" }, meta: { icon: "star" } },
  },
  { name: "folder update as other", who: "eve", method: "POST", path: "/api/v1/folders/{folder}/update", body: { name: "z" } },
  { name: "folder expand", who: "bob", method: "POST", path: "/api/v1/folders/{folder}/update/expanded", body: { is_expanded: true } },
  { name: "folder move", who: "bob", method: "POST", path: "/api/v1/folders/{child}/update/parent", body: { parent_id: "{folder}" } },
  { name: "folder move as other", who: "eve", method: "POST", path: "/api/v1/folders/{child}/update/parent", body: { parent_id: null } },
  { name: "chat to folder", who: "bob", method: "POST", path: "/api/v1/chats/{chat}/folder", body: { folder_id: "{child}" } },
  { name: "chat to folder as other", who: "eve", method: "POST", path: "/api/v1/chats/{chat}/folder", body: { folder_id: null } },
  { name: "folder chat list", who: "bob", method: "GET", path: "/api/v1/chats/folder/{child}/list?page=1" },
  { name: "folder chats (tree)", who: "bob", method: "GET", path: "/api/v1/chats/folder/{folder}" },
  { name: "list without folders", who: "bob", method: "GET", path: "/api/v1/chats/?page=1" },
  { name: "list with folders", who: "bob", method: "GET", path: "/api/v1/chats/?page=1&include_folders=true" },
  { name: "search folder", who: "bob", method: "GET", path: "/api/v1/chats/search?text=folder:project_x" },
  { name: "clone", who: "bob", method: "POST", path: "/api/v1/chats/{chat}/clone", body: { title: "My copy" }, save: { clone: "id" } },
  { name: "clone default title", who: "bob", method: "POST", path: "/api/v1/chats/{chat}/clone", body: {} },
  { name: "clone as other", who: "eve", method: "POST", path: "/api/v1/chats/{chat}/clone", body: {} },
  { name: "share", who: "bob", method: "POST", path: "/api/v1/chats/{chat}/share", save: { share: "id" } },
  { name: "share again", who: "bob", method: "POST", path: "/api/v1/chats/{chat}/share" },
  { name: "share as other", who: "eve", method: "POST", path: "/api/v1/chats/{chat}/share" },
  { name: "view share", who: "eve", method: "GET", path: "/api/v1/chats/share/{share}" },
  { name: "view share by chat id", who: "eve", method: "GET", path: "/api/v1/chats/share/{chat}" },
  { name: "clone share", who: "eve", method: "POST", path: "/api/v1/chats/{share}/clone/shared" },
  { name: "unshare as other", who: "eve", method: "DELETE", path: "/api/v1/chats/{chat}/share" },
  { name: "unshare", who: "bob", method: "DELETE", path: "/api/v1/chats/{chat}/share" },
  { name: "unshare again", who: "bob", method: "DELETE", path: "/api/v1/chats/{chat}/share" },
  { name: "update message", who: "bob", method: "POST", path: "/api/v1/chats/{chat}/messages/m2", body: { content: "Hello there!" } },
  { name: "update message as other", who: "eve", method: "POST", path: "/api/v1/chats/{chat}/messages/m2", body: { content: "x" } },
  {
    name: "message event",
    who: "bob",
    method: "POST",
    path: "/api/v1/chats/{chat}/messages/m2/event",
    body: { type: "status", data: { description: "Searching", done: false } },
  },
  { name: "message event as other", who: "eve", method: "POST", path: "/api/v1/chats/{chat}/messages/m2/event", body: { type: "status", data: {} } },
  { name: "get after event", who: "bob", method: "GET", path: "/api/v1/chats/{chat}" },
  { name: "archive", who: "bob", method: "POST", path: "/api/v1/chats/{chat}/archive" },
  { name: "archive as other", who: "eve", method: "POST", path: "/api/v1/chats/{chat}/archive" },
  { name: "archived list", who: "bob", method: "GET", path: "/api/v1/chats/archived?page=1" },
  { name: "archived list query", who: "bob", method: "GET", path: "/api/v1/chats/archived?page=1&query=star&order_by=title&direction=asc" },
  { name: "all archived", who: "bob", method: "GET", path: "/api/v1/chats/all/archived" },
  { name: "tags after archive", who: "bob", method: "GET", path: "/api/v1/chats/all/tags" },
  { name: "unarchive", who: "bob", method: "POST", path: "/api/v1/chats/{chat}/archive" },
  { name: "tags after unarchive", who: "bob", method: "GET", path: "/api/v1/chats/all/tags" },
  { name: "remove tag", who: "bob", method: "DELETE", path: "/api/v1/chats/{chat}/tags", body: { name: "Work Stuff" } },
  { name: "remove tag as other", who: "eve", method: "DELETE", path: "/api/v1/chats/{chat}/tags", body: { name: "Work Stuff" } },
  { name: "add tag again", who: "bob", method: "POST", path: "/api/v1/chats/{chat}/tags", body: { name: "Later" } },
  { name: "remove all tags", who: "bob", method: "DELETE", path: "/api/v1/chats/{chat}/tags/all" },
  { name: "remove all tags as other", who: "eve", method: "DELETE", path: "/api/v1/chats/{chat}/tags/all" },
  {
    name: "import",
    who: "bob",
    method: "POST",
    path: "/api/v1/chats/import",
    body: { chat: { ...newChat.chat, title: "Imported" }, meta: { tags: ["old_tag"] }, pinned: false, folder_id: null, created_at: 1700000000, updated_at: 1700000001 },
  },
  { name: "tags after import", who: "bob", method: "GET", path: "/api/v1/chats/all/tags" },
  { name: "export all", who: "bob", method: "GET", path: "/api/v1/chats/all" },
  { name: "admin list user chats", who: "admin", method: "GET", path: "/api/v1/chats/list/user/{bob_id}?page=1" },
  { name: "user list user chats", who: "eve", method: "GET", path: "/api/v1/chats/list/user/{bob_id}" },
  { name: "admin all db", who: "admin", method: "GET", path: "/api/v1/chats/all/db" },
  { name: "user all db", who: "eve", method: "GET", path: "/api/v1/chats/all/db" },
  { name: "delete as other", who: "eve", method: "DELETE", path: "/api/v1/chats/{clone}" },
  { name: "get clone after other's delete", who: "bob", method: "GET", path: "/api/v1/chats/{clone}/pinned" },
  { name: "archive all", who: "bob", method: "POST", path: "/api/v1/chats/archive/all" },
  { name: "list after archive all", who: "bob", method: "GET", path: "/api/v1/chats/?page=1" },
  { name: "unarchive all", who: "bob", method: "POST", path: "/api/v1/chats/unarchive/all" },
  { name: "folder delete as other", who: "eve", method: "DELETE", path: "/api/v1/folders/{folder}" },
  { name: "folder delete", who: "bob", method: "DELETE", path: "/api/v1/folders/{folder}" },
  { name: "chat gone with folder", who: "bob", method: "GET", path: "/api/v1/chats/{chat}" },
  { name: "folders after delete", who: "bob", method: "GET", path: "/api/v1/folders/" },
  { name: "delete clone", who: "bob", method: "DELETE", path: "/api/v1/chats/{clone}" },
  { name: "delete all", who: "bob", method: "DELETE", path: "/api/v1/chats/" },
  { name: "list after delete all", who: "bob", method: "GET", path: "/api/v1/chats/" },
  { name: "anonymous list", who: "pat", method: "GET", path: "/api/v1/chats/" },
];

const ref: Side = { base: refUrl, tokens: await refTokens(), ids: new Map() };
const ours = await ourSide();
for (const side of [ref, ours.side]) {
  const me = await fetch(`${side.base}/api/v1/auths/`, { headers: { authorization: `Bearer ${side.tokens.bob}` } });
  side.ids.set("bob_id", me.ok ? ((await me.json()) as { id: string }).id : "");
}
// Start from a clean account on the reference: earlier runs leave tags and folders behind.
for (const who of ["bob", "eve"] as Who[]) {
  const headers = { authorization: `Bearer ${ref.tokens[who]}`, "content-type": "application/json" };
  await fetch(`${refUrl}/api/v1/chats/`, { method: "DELETE", headers });
  const tags = (await (await fetch(`${refUrl}/api/v1/chats/all/tags`, { headers })).json()) as { name: string }[];
  for (const tag of tags) await fetch(`${refUrl}/api/v1/chats/tags`, { method: "POST", headers, body: JSON.stringify({ name: tag.name }) });
  const folders = (await (await fetch(`${refUrl}/api/v1/folders/`, { headers })).json()) as { id: string; parent_id: string | null }[];
  for (const folder of folders.filter((f) => f.parent_id === null)) await fetch(`${refUrl}/api/v1/folders/${folder.id}`, { method: "DELETE", headers });
}
let same = 0;
for (const step of STEPS) {
  const [a, b] = [await run(ref, step), await run(ours.side, step)];
  if (step.name === "create") ours.side.ids.set("bob_id", (b.json as { user_id: string }).user_id);
  const left = JSON.stringify(normalise(a.json));
  const right = JSON.stringify(normalise(b.json));
  if (a.status === b.status && left === right) {
    same++;
    continue;
  }
  console.log(`\n### ${step.name}: ${step.method} ${step.path}`);
  console.log(`  reference ${a.status} ${left.slice(0, 1500)}`);
  console.log(`  ours      ${b.status} ${right.slice(0, 1500)}`);
}
console.log(`\n${same}/${STEPS.length} identical after normalisation`);
await ours.stop();
