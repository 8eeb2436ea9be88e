// Table access for `knowledge`, returned as Open WebUI's KnowledgeModel.
import { desc, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client";
import { asObject, type JsonObject } from "../files/repository";

export type KnowledgeRow = typeof import("../db/schema.pg").knowledge.$inferSelect;

export interface KnowledgeModel {
  id: string;
  user_id: string;
  name: string;
  description: string;
  data: JsonObject | null;
  meta: JsonObject | null;
  access_control: JsonObject | null;
  created_at: number;
  updated_at: number;
}

export interface UserBrief {
  id: string;
  name: string;
  email: string;
  role: string;
  profile_image_url: string;
}

const now = () => Math.floor(Date.now() / 1000);

function toModel(row: KnowledgeRow): KnowledgeModel {
  return {
    id: row.id,
    user_id: row.user_id,
    name: row.name,
    description: row.description ?? "",
    data: asObject(row.data),
    meta: asObject(row.meta),
    access_control: asObject(row.access_control),
    created_at: row.created_at,
    updated_at: row.updated_at ?? row.created_at,
  };
}

/** `data.file_ids` as a clean list of strings. */
export function fileIdsOf(knowledge: Pick<KnowledgeModel, "data">): string[] {
  const ids = knowledge.data?.file_ids;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
}

export async function insertKnowledge(
  db: Db,
  userId: string,
  form: { name: string; description: string; data: JsonObject | null; access_control: JsonObject | null },
): Promise<KnowledgeModel> {
  const time = now();
  const row = { id: crypto.randomUUID(), user_id: userId, ...form, meta: null, created_at: time, updated_at: time };
  await db.write((tx) => tx.insert(db.t.knowledge).values(row));
  return toModel(row as KnowledgeRow);
}

export async function findKnowledge(db: Db, id: string): Promise<KnowledgeModel | null> {
  const { knowledge } = db.t;
  const [row] = await db.read.select().from(knowledge).where(eq(knowledge.id, id)).limit(1);
  return row ? toModel(row) : null;
}

/** Every knowledge base, most recently updated first. */
export async function listKnowledge(db: Db): Promise<KnowledgeModel[]> {
  const { knowledge } = db.t;
  const rows = await db.read.select().from(knowledge).orderBy(desc(knowledge.updated_at));
  return rows.map(toModel);
}

export async function updateKnowledge(
  db: Db,
  id: string,
  fields: Partial<Pick<KnowledgeModel, "name" | "description" | "data" | "access_control">>,
): Promise<KnowledgeModel | null> {
  await db.write((tx) => tx.update(db.t.knowledge).set({ ...fields, updated_at: now() }).where(eq(db.t.knowledge.id, id)));
  return findKnowledge(db, id);
}

/** Rewrites `data.file_ids` from the latest row inside one transaction. */
export async function editFileIds(db: Db, id: string, edit: (ids: string[]) => string[]): Promise<KnowledgeModel | null> {
  await db.write(async (tx) => {
    const { knowledge } = db.t;
    const query = tx.select({ data: knowledge.data }).from(knowledge).where(eq(knowledge.id, id)).limit(1);
    const [row] = db.dialect === "postgres" ? await query.for("update") : await query;
    if (!row) return;
    const data = asObject(row.data) ?? {};
    const next = { ...data, file_ids: edit(fileIdsOf({ data })) };
    await tx.update(knowledge).set({ data: next, updated_at: now() }).where(eq(knowledge.id, id));
  });
  return findKnowledge(db, id);
}

export async function deleteKnowledge(db: Db, id: string): Promise<void> {
  await db.write((tx) => tx.delete(db.t.knowledge).where(eq(db.t.knowledge.id, id)));
}

export async function deleteAllKnowledge(db: Db): Promise<void> {
  await db.write((tx) => tx.delete(db.t.knowledge));
}

export async function userBriefs(db: Db, ids: string[]): Promise<Map<string, UserBrief>> {
  const out = new Map<string, UserBrief>();
  if (ids.length === 0) return out;
  const { user } = db.t;
  const rows = await db.read
    .select({ id: user.id, name: user.name, email: user.email, role: user.role, profile_image_url: user.profile_image_url })
    .from(user)
    .where(inArray(user.id, ids));
  for (const row of rows) out.set(row.id, row);
  return out;
}

/** The knowledge bases that list a file in `data.file_ids`. */
export async function knowledgeContaining(db: Db, fileId: string): Promise<KnowledgeModel[]> {
  return (await listKnowledge(db)).filter((k) => fileIdsOf(k).includes(fileId));
}
