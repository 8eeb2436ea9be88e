// The `prompt` table. Its key is a hidden integer the database numbers; rows are found by
// `command` (unique, stored with its leading slash). Every change takes the caller and decides
// inside its transaction whether the caller may make it.
import { desc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { mayReach, ownsOrGranted, type AccessControl, type Caller } from "../core/caller";
import type { AccessType } from "../core/access";

export interface PromptRow {
  command: string;
  user_id: string;
  title: string;
  content: string;
  timestamp: number;
  access_control: unknown;
}

export interface PromptForm {
  title: string;
  content: string;
  access_control?: AccessControl;
}

export type Refusal = "not_found" | "forbidden";

const columns = (db: Db) => {
  const { prompt } = db.t;
  return {
    command: prompt.command,
    user_id: prompt.user_id,
    title: prompt.title,
    content: prompt.content,
    timestamp: prompt.timestamp,
    access_control: prompt.access_control,
  };
};

/** Every prompt, newest first (admins with the bypass). */
export async function listAllPrompts(db: Db): Promise<PromptRow[]> {
  const { prompt } = db.t;
  return db.read.select(columns(db)).from(prompt).orderBy(desc(prompt.timestamp));
}

/** The prompts the caller owns or may `type`, newest first. */
export async function listPromptsFor(db: Db, caller: Caller, type: AccessType): Promise<PromptRow[]> {
  const { prompt } = db.t;
  const rows = await db.read
    .select(columns(db))
    .from(prompt)
    .where(mayReach(prompt.user_id, prompt.access_control, caller, type))
    .orderBy(desc(prompt.timestamp));
  return rows.filter((row) => ownsOrGranted(caller, row, type));
}

async function findPrompt(db: Db, command: string): Promise<PromptRow | undefined> {
  const { prompt } = db.t;
  const [row] = await db.read.select(columns(db)).from(prompt).where(eq(prompt.command, command)).limit(1);
  return row;
}

/** The prompt if the caller (an admin, its owner, or a reader) may read it. */
export async function readPrompt(db: Db, caller: Caller, command: string): Promise<PromptRow | Refusal> {
  const row = await findPrompt(db, command);
  if (!row) return "not_found";
  return caller.role === "admin" || ownsOrGranted(caller, row, "read") ? row : "forbidden";
}

/** The new prompt, or "taken" when the command exists already. */
export async function insertPrompt(db: Db, ownerId: string, command: string, form: PromptForm): Promise<PromptRow | "taken"> {
  const { prompt } = db.t;
  const row: PromptRow = {
    command,
    user_id: ownerId,
    title: form.title,
    content: form.content,
    timestamp: Math.floor(Date.now() / 1000),
    access_control: form.access_control ?? null,
  };
  try {
    return await db.write(async (tx) => {
      const [existing] = await tx.select({ command: prompt.command }).from(prompt).where(eq(prompt.command, command)).limit(1);
      if (existing) return "taken" as const;
      await tx.insert(prompt).values(row);
      return row;
    });
  } catch (error) {
    // Another request took the command between our check and our insert (unique index).
    if (await findPrompt(db, command)) return "taken";
    throw error;
  }
}

const mayWrite = (caller: Caller, row: PromptRow) => caller.role === "admin" || ownsOrGranted(caller, row, "write");

/** Title, content and access_control replaced, timestamp renewed; the command never changes. */
export async function updatePrompt(db: Db, caller: Caller, command: string, form: PromptForm): Promise<PromptRow | Refusal> {
  const { prompt } = db.t;
  return db.write(async (tx) => {
    const [row] = await tx.select(columns(db)).from(prompt).where(eq(prompt.command, command)).limit(1);
    if (!row) return "not_found";
    if (!mayWrite(caller, row)) return "forbidden";
    const change = {
      title: form.title,
      content: form.content,
      access_control: form.access_control ?? null,
      timestamp: Math.floor(Date.now() / 1000),
    };
    await tx.update(prompt).set(change).where(eq(prompt.command, command));
    return { ...row, ...change };
  });
}

export async function deletePrompt(db: Db, caller: Caller, command: string): Promise<true | Refusal> {
  const { prompt } = db.t;
  return db.write(async (tx) => {
    const [row] = await tx.select(columns(db)).from(prompt).where(eq(prompt.command, command)).limit(1);
    if (!row) return "not_found";
    if (!mayWrite(caller, row)) return "forbidden";
    await tx.delete(prompt).where(eq(prompt.command, command));
    return true;
  });
}
