// The `memory` table: plain rows, each owned by one user. Every query carries the owner.
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client";

export interface MemoryRow {
  id: string;
  user_id: string;
  content: string;
  updated_at: number;
  created_at: number;
}

const now = () => Math.floor(Date.now() / 1000);

/** In the table's own order (the order of writing), as the reference lists them. */
export async function listMemories(db: Db, ownerId: string): Promise<MemoryRow[]> {
  const { memory } = db.t;
  return db.read.select().from(memory).where(eq(memory.user_id, ownerId));
}

export async function insertMemory(db: Db, ownerId: string, content: string): Promise<MemoryRow> {
  const { memory } = db.t;
  const at = now();
  const row: MemoryRow = { id: crypto.randomUUID(), user_id: ownerId, content, updated_at: at, created_at: at };
  await db.write((tx) => tx.insert(memory).values(row));
  return row;
}

/** The owner's memory with its new content, or undefined when the owner has no such memory. */
export async function updateMemory(db: Db, ownerId: string, id: string, content: string): Promise<MemoryRow | undefined> {
  const { memory } = db.t;
  const mine = and(eq(memory.id, id), eq(memory.user_id, ownerId));
  return db.write(async (tx) => {
    const [row] = await tx.select().from(memory).where(mine).limit(1);
    if (!row) return undefined;
    const change = { content, updated_at: now() };
    await tx.update(memory).set(change).where(mine);
    return { ...row, ...change };
  });
}

/** Whether the owner had such a memory (and now has not). */
export async function deleteMemory(db: Db, ownerId: string, id: string): Promise<boolean> {
  const { memory } = db.t;
  const mine = and(eq(memory.id, id), eq(memory.user_id, ownerId));
  return db.write(async (tx) => {
    const [row] = await tx.select({ id: memory.id }).from(memory).where(mine).limit(1);
    if (!row) return false;
    await tx.delete(memory).where(mine);
    return true;
  });
}

export async function deleteAllMemories(db: Db, ownerId: string): Promise<void> {
  const { memory } = db.t;
  await db.write((tx) => tx.delete(memory).where(eq(memory.user_id, ownerId)));
}
