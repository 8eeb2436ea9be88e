// The `auth` table (e-mail + bcrypt hash per account) and account creation, which writes the
// `user` and `auth` rows together.
import { and, eq, sql } from "drizzle-orm";
import type { Db, Query } from "../db/client";
import type { Role, UserRow } from "../users/repository";

export interface NewAccount {
  email: string;
  passwordHash: string;
  name: string;
  profileImageUrl: string;
  /** Decided inside the transaction: `firstUserRole` when the table is empty, else `role`. */
  role: Role;
  firstUserRole?: Role;
  /** `{provider}@{sub}` for accounts made by an OAuth sign-in. */
  oauthSub?: string;
}

export class EmailTakenError extends Error {}

/**
 * Creates the account in one transaction that also decides the role and checks the e-mail, so
 * concurrent sign-ups (on any instance) yield exactly one first admin and no duplicate e-mails.
 */
export async function insertAccount(db: Db, account: NewAccount): Promise<UserRow> {
  const { user, auth } = db.t;
  return db.write(async (tx) => {
    await lockAccounts(db, tx);
    const email = account.email.toLowerCase();
    const [taken] = await tx.select({ id: user.id }).from(user).where(eq(user.email, email)).limit(1);
    if (taken) throw new EmailTakenError(email);
    const [any] = await tx.select({ id: user.id }).from(user).limit(1);
    const now = Math.floor(Date.now() / 1000);
    const row: UserRow = {
      id: crypto.randomUUID(),
      name: account.name,
      email,
      role: !any && account.firstUserRole ? account.firstUserRole : account.role,
      profile_image_url: account.profileImageUrl,
      api_key: null,
      created_at: now,
      updated_at: now,
      last_active_at: now,
      settings: null,
      info: null,
      oauth_sub: account.oauthSub ?? null,
      username: null,
      bio: null,
      gender: null,
      date_of_birth: null,
    };
    await tx.insert(user).values(row);
    await tx.insert(auth).values({ id: row.id, email, password: account.passwordHash, active: true });
    return row;
  });
}

/** On PostgreSQL, account creation is serialised by an advisory lock (SQLite writers already take turns). */
async function lockAccounts(db: Db, tx: Query): Promise<void> {
  if (db.dialect === "postgres") await tx.execute(sql`SELECT pg_advisory_xact_lock(823741123)`);
}

export async function findCredentials(db: Db, email: string): Promise<{ id: string; password: string } | undefined> {
  const { auth } = db.t;
  const [row] = await db.read
    .select({ id: auth.id, password: auth.password })
    .from(auth)
    .where(and(eq(auth.email, email.toLowerCase()), eq(auth.active, true)))
    .limit(1);
  return row;
}

export async function findPasswordHash(db: Db, userId: string): Promise<string | undefined> {
  const { auth } = db.t;
  const [row] = await db.read.select({ password: auth.password }).from(auth).where(eq(auth.id, userId)).limit(1);
  return row?.password;
}

export async function setPasswordHash(db: Db, userId: string, hash: string): Promise<boolean> {
  const { auth } = db.t;
  return db.write(async (tx) => {
    const [row] = await tx.select({ id: auth.id }).from(auth).where(eq(auth.id, userId)).limit(1);
    if (!row) return false;
    await tx.update(auth).set({ password: hash }).where(eq(auth.id, userId));
    return true;
  });
}
