// Workspace rows (tools, functions, channels, notes) written the way the Python backend writes
// them — JSON text with ", "/": " separators, JSON null for None, nanosecond timestamps — for
// routes whose writes are not built yet. Also groups through the API.
import { expect } from "bun:test";
import type { TestApp } from "./app";
import type { Account } from "./accounts";

/** Python's json.dumps layout. */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`)
      .join(", ")}}`;
  }
  return JSON.stringify(value);
}

const literal = (value: unknown): string => {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
  return `'${String(value).replace(/'/g, "''")}'`;
};

async function insertRow(t: TestApp, table: string, row: Record<string, unknown>): Promise<void> {
  const names = Object.keys(row).map((n) => `"${n}"`).join(", ");
  const values = Object.values(row).map(literal).join(", ");
  await t.ctx.db.execute(`INSERT INTO "${table}" (${names}) VALUES (${values})`);
}

const seconds = () => Math.floor(Date.now() / 1000);
let nanoCounter = 0n;
/** Distinct, increasing epoch nanoseconds that a JS number cannot hold exactly. */
export function nanoseconds(): bigint {
  return BigInt(Date.now()) * 1_000_000n + 123_457n + nanoCounter++ * 1_000_003n;
}

export async function insertTool(
  t: TestApp,
  fields: { id: string; user_id: string; access_control?: unknown; content?: string; meta?: unknown; specs?: unknown; updated_at?: number },
) {
  const at = fields.updated_at ?? seconds();
  await insertRow(t, "tool", {
    id: fields.id,
    user_id: fields.user_id,
    name: `Tool ${fields.id}`,
    content: fields.content ?? "class Tools:\n    def hello(self) -> str:\n        return 'hi'\n",
    specs: pythonJson(fields.specs ?? [{ name: "hello", description: "", parameters: { properties: {}, type: "object" } }]),
    meta: pythonJson(fields.meta ?? { description: `about ${fields.id}`, manifest: {} }),
    created_at: at,
    updated_at: at,
    valves: "null",
    access_control: pythonJson(fields.access_control ?? null),
  });
}

export async function insertFunction(
  t: TestApp,
  fields: { id: string; user_id: string; type?: string; meta?: unknown; is_active?: boolean; is_global?: boolean; created_at?: number },
) {
  const at = fields.created_at ?? seconds();
  await insertRow(t, "function", {
    id: fields.id,
    user_id: fields.user_id,
    name: `Function ${fields.id}`,
    type: fields.type ?? "filter",
    content: "class Filter:\n    def inlet(self, body: dict) -> dict:\n        return body\n",
    meta: pythonJson(fields.meta ?? { description: `about ${fields.id}`, manifest: { version: "1.0" } }),
    created_at: at,
    updated_at: at,
    valves: "null",
    is_active: fields.is_active ?? false,
    is_global: fields.is_global ?? false,
  });
}

export async function insertChannel(
  t: TestApp,
  fields: { user_id: string; name: string; access_control?: unknown; created_at?: bigint },
): Promise<{ id: string; created_at: bigint }> {
  const id = crypto.randomUUID();
  const at = fields.created_at ?? nanoseconds();
  await insertRow(t, "channel", {
    id,
    user_id: fields.user_id,
    name: fields.name,
    description: null,
    data: "null",
    meta: "null",
    access_control: pythonJson(fields.access_control ?? null),
    created_at: at,
    updated_at: at,
    type: null,
  });
  return { id, created_at: at };
}

export async function insertNote(
  t: TestApp,
  fields: { user_id: string; title: string; access_control?: unknown; data?: unknown; updated_at?: bigint },
): Promise<{ id: string; updated_at: bigint }> {
  const id = crypto.randomUUID();
  const at = fields.updated_at ?? nanoseconds();
  await insertRow(t, "note", {
    id,
    user_id: fields.user_id,
    title: fields.title,
    data: pythonJson(fields.data ?? { content: { json: null, html: "<p>x</p>", md: "x" } }),
    meta: "null",
    access_control: pythonJson(fields.access_control ?? null),
    created_at: at,
    updated_at: at,
  });
  return { id, updated_at: at };
}

/** A group made by the admin through the API, with these members and permissions. */
export async function createGroup(
  t: TestApp,
  admin: Account,
  name: string,
  members: Account[],
  permissions: Record<string, unknown> | null = null,
): Promise<string> {
  const created = await t.request("POST", "/api/v1/groups/create", {
    token: admin.token,
    body: { name, description: "", permissions },
  });
  expect(created.status).toBe(200);
  const id = created.body.id as string;
  const added = await t.request("POST", `/api/v1/groups/id/${id}/users/add`, {
    token: admin.token,
    body: { user_ids: members.map((m) => m.id) },
  });
  expect(added.status).toBe(200);
  return id;
}

/** read/write grants in Open WebUI's layout. */
export function grants(read: { users?: string[]; groups?: string[] } = {}, write: { users?: string[]; groups?: string[] } = {}) {
  return {
    read: { group_ids: read.groups ?? [], user_ids: read.users ?? [] },
    write: { group_ids: write.groups ?? [], user_ids: write.users ?? [] },
  };
}
