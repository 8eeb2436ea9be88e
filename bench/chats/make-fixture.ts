// Builds test/fixtures/chats/export-0.6.32.json: chats created on a running Python reference
// through its API the way the 0.6.32 frontend creates and saves them, then exported with
// GET /api/v1/chats/all (what Settings > Data Controls > Export Chats downloads). Run by hand:
//   REF_URL=http://127.0.0.1:8081 REF_EMAIL=... REF_PASSWORD=... bun bench/chats/make-fixture.ts
import { writeFileSync } from "node:fs";

const base = process.env.REF_URL ?? "http://127.0.0.1:8081";
const signin = await fetch(`${base}/api/v1/auths/signin`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ email: process.env.REF_EMAIL, password: process.env.REF_PASSWORD }),
});
const { token } = (await signin.json()) as { token: string };

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
}

const t0 = 1761800000;
const user = (id: string, parentId: string | null, content: string, children: string[], extra = {}) => ({
  id,
  parentId,
  childrenIds: children,
  role: "user",
  content,
  timestamp: t0,
  models: ["llama3.2:3b"],
  ...extra,
});
const assistant = (id: string, parentId: string, content: string, extra = {}) => ({
  parentId,
  id,
  childrenIds: [] as string[],
  role: "assistant",
  content,
  model: "llama3.2:3b",
  modelName: "Llama 3.2 3B",
  modelIdx: 0,
  userContext: null,
  timestamp: t0 + 2,
  done: true,
  ...extra,
});

// A chat with a regenerated answer (two branches), a file, sources, status, usage and follow-ups.
const file = {
  type: "file",
  file: { id: "0b5b0d5e-8c1e-4a3f-9a53-2f0e3d8b7a11", filename: "notes.md", meta: { name: "notes.md", content_type: "text/markdown", size: 42 } },
  id: "0b5b0d5e-8c1e-4a3f-9a53-2f0e3d8b7a11",
  url: "/api/v1/files/0b5b0d5e-8c1e-4a3f-9a53-2f0e3d8b7a11",
  name: "notes.md",
  collection_name: "file-0b5b0d5e-8c1e-4a3f-9a53-2f0e3d8b7a11",
  status: "uploaded",
  size: 42,
  error: "",
  itemId: "4f1e2b9c-1d7a-4c55-8b2e-7e9f0a1b2c3d",
};
const u1 = user("u1-7c1a", null, "Résumé of notes.md, please — in two lines 🙂", ["a1-7c1a", "a2-7c1a"], { files: [file] });
const a1 = assistant("a1-7c1a", "u1-7c1a", "First try: the notes cover café opening hours.", {
  statusHistory: [{ action: "knowledge_search", description: "Searching knowledge", done: true }],
  sources: [{ source: { type: "file", name: "notes.md" }, document: ["opening hours"], metadata: [{ source: "notes.md" }] }],
  usage: { prompt_tokens: 120, completion_tokens: 14, total_tokens: 134 },
});
const a2 = assistant("a2-7c1a", "u1-7c1a", "Notes: the café opens at 8.\nIt closes at \"6 pm\" on weekdays.", {
  usage: { prompt_tokens: 120, completion_tokens: 18, total_tokens: 138 },
  followUps: ["What about weekends?", "Is there a lunch break?"],
});
const u2 = user("u2-7c1a", "a2-7c1a", "And on Sundays?", ["a3-7c1a"]);
const a3 = assistant("a3-7c1a", "u2-7c1a", "", { error: { content: "Ollama: 500, message='Internal Server Error'" } });
a2.childrenIds = ["u2-7c1a"];
const history = { messages: { [u1.id]: u1, [a1.id]: a1, [a2.id]: a2, [u2.id]: u2, [a3.id]: a3 }, currentId: a3.id };

const created = await call("POST", "/api/v1/chats/new", {
  chat: {
    id: "",
    title: "New Chat",
    models: ["llama3.2:3b"],
    params: {},
    history: { messages: { [u1.id]: { ...u1, childrenIds: [] } }, currentId: u1.id },
    messages: [{ ...u1, childrenIds: [] }],
    tags: [],
    timestamp: t0 * 1000,
  },
  folder_id: null,
});
await call("POST", `/api/v1/chats/${created.id}`, {
  chat: { models: ["llama3.2:3b"], history, messages: [u1, a2, u2, a3], params: {}, files: [] },
});
await call("POST", `/api/v1/chats/${created.id}`, { chat: { title: "Café hours ☕" } });
await call("POST", `/api/v1/chats/${created.id}/tags`, { name: "Food" });
await call("POST", `/api/v1/chats/${created.id}/tags`, { name: "Local Places" });

// A plain one-turn chat, pinned.
const v1 = user("u1-9d2b", null, "Say hi", ["a1-9d2b"]);
const w1 = assistant("a1-9d2b", "u1-9d2b", "Hi!");
const second = await call("POST", "/api/v1/chats/new", {
  chat: {
    id: "",
    title: "Greeting",
    models: ["llama3.2:3b"],
    params: { temperature: 0.2 },
    history: { messages: { [v1.id]: v1, [w1.id]: w1 }, currentId: w1.id },
    messages: [v1, w1],
    tags: [],
    timestamp: (t0 + 60) * 1000,
  },
  folder_id: null,
});
await call("POST", `/api/v1/chats/${second.id}/pin`);

const exported = (await call("GET", "/api/v1/chats/all")) as { id: string }[];
const ours = exported.filter((chat) => chat.id === created.id || chat.id === second.id);
writeFileSync(new URL("../../test/fixtures/chats/export-0.6.32.json", import.meta.url), JSON.stringify(ours));
for (const chat of ours) await call("DELETE", `/api/v1/chats/${chat.id}`);
console.log(`wrote ${ours.length} chats`);
