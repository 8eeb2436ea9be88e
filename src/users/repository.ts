// Reads of the `user` table that the auth path needs on every request.
import { count, eq } from "drizzle-orm";
import type { Db } from "../db/client";

export type UserRow = typeof import("../db/schema.pg").user.$inferSelect;
export type Role = "pending" | "user" | "admin";

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  const { user } = db.t;
  const [row] = await db.read.select().from(user).where(eq(user.id, id)).limit(1);
  return row;
}

export async function findUserByApiKey(db: Db, apiKey: string): Promise<UserRow | undefined> {
  const { user } = db.t;
  const [row] = await db.read.select().from(user).where(eq(user.api_key, apiKey)).limit(1);
  return row;
}

// /api/config counts users on every signed-in request, so the statement is built once per database.
const countStatements = new WeakMap<Db, { execute(): Promise<{ n: number }[]> }>();

export async function countUsers(db: Db): Promise<number> {
  let statement = countStatements.get(db);
  if (!statement) {
    statement = db.read.select({ n: count() }).from(db.t.user).prepare("count_users");
    countStatements.set(db, statement);
  }
  const [row] = await statement.execute();
  return Number(row?.n ?? 0);
}

export async function touchLastActive(db: Db, id: string, nowSeconds: number): Promise<void> {
  const { user } = db.t;
  await db.write((tx) => tx.update(user).set({ last_active_at: nowSeconds }).where(eq(user.id, id)));
}
