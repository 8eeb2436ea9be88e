// The `model` table: workspace presets (base_model_id set) and per-base-model overrides
// (base_model_id null). Reads that depend on the caller carry the access rule in SQL.
import { and, asc, eq, inArray, isNotNull, isNull, or, sql } from "drizzle-orm";
import { accessGranted, type AccessType } from "../core/access";
import type { Db } from "../db/client";

export interface ModelRow {
  id: string;
  user_id: string;
  base_model_id: string | null;
  name: string;
  params: Record<string, unknown>;
  meta: Record<string, unknown>;
  access_control: Record<string, unknown> | null;
  is_active: boolean;
  updated_at: number;
  created_at: number;
}

export interface UserBrief {
  id: string;
  name: string;
  email: string;
  role: string;
  profile_image_url: string;
}

export type ModelRowWithUser = ModelRow & { user: UserBrief | null };

export interface ModelForm {
  id: string;
  base_model_id?: string | null;
  name: string;
  meta: Record<string, unknown>;
  params: Record<string, unknown>;
  access_control?: Record<string, unknown> | null;
  is_active?: boolean;
}

const now = () => Math.floor(Date.now() / 1000);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** ModelMeta's defaults, applied the way pydantic does (absent key → default, null kept). */
export function normalizeMeta(meta: unknown): Record<string, unknown> {
  const source = isRecord(meta) ? meta : {};
  const { profile_image_url, description, capabilities, ...extra } = source;
  return {
    profile_image_url: "profile_image_url" in source ? profile_image_url : "/static/favicon.png",
    description: description ?? null,
    capabilities: capabilities ?? null,
    ...extra,
  };
}

/** A stored row in ModelModel's field order, with JSON null and SQL NULL read alike. */
function toModelRow(row: Record<string, unknown>): ModelRow {
  return {
    id: row.id as string,
    user_id: row.user_id as string,
    base_model_id: (row.base_model_id as string | null) ?? null,
    name: row.name as string,
    params: isRecord(row.params) ? row.params : {},
    meta: normalizeMeta(row.meta),
    access_control: isRecord(row.access_control) ? row.access_control : null,
    is_active: Boolean(row.is_active ?? true),
    updated_at: Number(row.updated_at ?? 0),
    created_at: Number(row.created_at ?? 0),
  };
}

function columns(db: Db) {
  const { model } = db.t;
  return {
    id: model.id,
    user_id: model.user_id,
    base_model_id: model.base_model_id,
    name: model.name,
    params: model.params,
    meta: model.meta,
    access_control: model.access_control,
    is_active: model.is_active,
    updated_at: model.updated_at,
    created_at: model.created_at,
  };
}

export async function listAllModelRows(db: Db): Promise<ModelRow[]> {
  const rows = await db.read.select(columns(db)).from(db.t.model).orderBy(asc(db.t.model.created_at));
  return rows.map(toModelRow);
}

export async function findModelRow(db: Db, id: string): Promise<ModelRow | null> {
  const { model } = db.t;
  const [row] = await db.read.select(columns(db)).from(model).where(eq(model.id, id)).limit(1);
  return row ? toModelRow(row) : null;
}

/** The row and whether the caller passes `type` access on it (owner, grant, or admin bypass). */
export async function findModelRowForUser(
  db: Db,
  id: string,
  caller: { id: string; bypass: boolean; groupIds: readonly string[] },
  type: AccessType,
): Promise<{ row: ModelRow; allowed: boolean } | null> {
  const { model } = db.t;
  const allowed = caller.bypass
    ? sql<boolean>`1 = 1`
    : sql<boolean>`(${model.user_id} = ${caller.id} OR ${accessGranted(db, model.access_control, type, caller.id, caller.groupIds)})`;
  const [row] = await db.read
    .select({ ...columns(db), allowed: sql<unknown>`CASE WHEN ${allowed} THEN 1 ELSE 0 END` })
    .from(model)
    .where(eq(model.id, id))
    .limit(1);
  if (!row) return null;
  return { row: toModelRow(row), allowed: Number(row.allowed) === 1 };
}

async function attachUsers(db: Db, rows: ModelRow[]): Promise<ModelRowWithUser[]> {
  const ids = [...new Set(rows.map((r) => r.user_id))];
  const { user } = db.t;
  const users = ids.length
    ? await db.read
        .select({ id: user.id, name: user.name, email: user.email, role: user.role, profile_image_url: user.profile_image_url })
        .from(user)
        .where(inArray(user.id, ids))
    : [];
  const byId = new Map(users.map((u) => [u.id, u]));
  return rows.map((row) => ({ ...row, user: byId.get(row.user_id) ?? null }));
}

/** Workspace presets (rows with a base model), each with its owner. */
export async function listPresets(db: Db): Promise<ModelRowWithUser[]> {
  const { model } = db.t;
  const rows = await db.read.select(columns(db)).from(model).where(isNotNull(model.base_model_id)).orderBy(asc(model.created_at));
  return attachUsers(db, rows.map(toModelRow));
}

/** Presets the user owns or may write to. */
export async function listPresetsWritableBy(
  db: Db,
  userId: string,
  groupIds: readonly string[],
): Promise<ModelRowWithUser[]> {
  const { model } = db.t;
  const rows = await db.read
    .select(columns(db))
    .from(model)
    .where(
      and(
        isNotNull(model.base_model_id),
        or(eq(model.user_id, userId), accessGranted(db, model.access_control, "write", userId, groupIds)),
      ),
    )
    .orderBy(asc(model.created_at));
  return attachUsers(db, rows.map(toModelRow));
}

export async function listBaseModelRows(db: Db): Promise<ModelRow[]> {
  const { model } = db.t;
  const rows = await db.read.select(columns(db)).from(model).where(isNull(model.base_model_id)).orderBy(asc(model.created_at));
  return rows.map(toModelRow);
}

function rowValues(form: ModelForm) {
  return {
    base_model_id: form.base_model_id ?? null,
    name: form.name,
    meta: normalizeMeta(form.meta),
    params: isRecord(form.params) ? form.params : {},
    access_control: form.access_control ?? null,
    is_active: form.is_active ?? true,
  };
}

/** Inserts a row; null when the id is already taken (checked in the same transaction). */
export async function insertModelRow(db: Db, form: ModelForm, userId: string): Promise<ModelRow | null> {
  const { model } = db.t;
  const timestamp = now();
  const values = { id: form.id, user_id: userId, ...rowValues(form), created_at: timestamp, updated_at: timestamp };
  return db.write(async (tx) => {
    const [taken] = await tx.select({ id: model.id }).from(model).where(eq(model.id, form.id)).limit(1);
    if (taken) return null;
    await tx.insert(model).values(values);
    return toModelRow(values);
  });
}

export async function updateModelRow(db: Db, id: string, form: ModelForm): Promise<ModelRow | null> {
  const { model } = db.t;
  await db.write((tx) => tx.update(model).set({ ...rowValues(form), updated_at: now() }).where(eq(model.id, id)));
  return findModelRow(db, id);
}

export async function toggleModelRow(db: Db, id: string): Promise<ModelRow | null> {
  const { model } = db.t;
  await db.write(async (tx) => {
    const [row] = await tx.select({ is_active: model.is_active }).from(model).where(eq(model.id, id)).limit(1);
    if (!row) return;
    await tx.update(model).set({ is_active: !row.is_active, updated_at: now() }).where(eq(model.id, id));
  });
  return findModelRow(db, id);
}

export async function deleteModelRow(db: Db, id: string): Promise<void> {
  const { model } = db.t;
  await db.write((tx) => tx.delete(model).where(eq(model.id, id)));
}

export async function deleteAllModelRows(db: Db): Promise<void> {
  await db.write((tx) => tx.delete(db.t.model));
}

/** Import: existing ids are merged field by field and saved, new ids inserted for the admin. */
export async function importModelRows(db: Db, forms: ModelForm[], userId: string): Promise<void> {
  const { model } = db.t;
  const timestamp = now();
  await db.write(async (tx) => {
    for (const form of forms) {
      const [existing] = await tx.select({ id: model.id }).from(model).where(eq(model.id, form.id)).limit(1);
      if (existing) {
        await tx.update(model).set({ ...rowValues(form), updated_at: timestamp }).where(eq(model.id, form.id));
      } else {
        await tx.insert(model).values({ id: form.id, user_id: userId, ...rowValues(form), created_at: timestamp, updated_at: timestamp });
      }
    }
  });
}

/** Sync: the table becomes exactly `rows`, every row owned by the admin who syncs. */
export async function syncModelRows(db: Db, rows: ModelRow[], userId: string): Promise<ModelRow[]> {
  const { model } = db.t;
  const timestamp = now();
  await db.write(async (tx) => {
    const existing = new Set((await tx.select({ id: model.id }).from(model)).map((r) => r.id));
    const keep = new Set(rows.map((r) => r.id));
    for (const row of rows) {
      const values = {
        ...rowValues(row),
        user_id: userId,
        created_at: row.created_at,
        updated_at: timestamp,
      };
      if (existing.has(row.id)) await tx.update(model).set(values).where(eq(model.id, row.id));
      else await tx.insert(model).values({ id: row.id, ...values });
    }
    const gone = [...existing].filter((id) => !keep.has(id));
    if (gone.length) await tx.delete(model).where(inArray(model.id, gone));
  });
  return listAllModelRows(db);
}

/** A cheap fingerprint of the table, to notice writes made by other processes. */
export async function modelTableFingerprint(db: Db): Promise<string> {
  const { model } = db.t;
  const [row] = await db.read
    .select({ n: sql<number>`count(*)`, latest: sql<number>`max(${model.updated_at})`, total: sql<number>`sum(${model.updated_at})` })
    .from(model);
  return `${row?.n ?? 0}:${row?.latest ?? 0}:${row?.total ?? 0}`;
}
