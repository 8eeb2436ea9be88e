// The `oauth_session` row written after an OAuth sign-in: the provider's token set, Fernet-encrypted
// with OAUTH_SESSION_TOKEN_ENCRYPTION_KEY so the Python backend can read it; one row per user and provider.
import { and, eq } from "drizzle-orm";
import type { AppContext } from "../context";
import { Fernet } from "../core/fernet";

export async function replaceOAuthSession(
  ctx: AppContext,
  key: string,
  userId: string,
  provider: string,
  token: Record<string, unknown>,
): Promise<string | undefined> {
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = Number(token.expires_in);
  const expiresAt = Number.isFinite(Number(token.expires_at))
    ? Number(token.expires_at)
    : Number.isFinite(expiresIn)
      ? now + expiresIn
      : undefined;
  // The column is NOT NULL; the reference's insert fails the same way and signs in without a row.
  if (expiresAt === undefined) return undefined;
  const stored = { ...token, issued_at: Date.now() / 1000, expires_at: expiresAt };
  const { oauth_session } = ctx.db.t;
  const id = crypto.randomUUID();
  await ctx.db.write(async (tx) => {
    await tx.delete(oauth_session).where(and(eq(oauth_session.user_id, userId), eq(oauth_session.provider, provider)));
    await tx.insert(oauth_session).values({
      id,
      user_id: userId,
      provider,
      token: new Fernet(key).encrypt(JSON.stringify(stored)),
      expires_at: Math.floor(expiresAt),
      created_at: now,
      updated_at: now,
    });
  });
  return id;
}
