// Inserting accounts straight into the tables, for tests that need a caller of some role.
import type { AppContext } from "../../src/context";

export async function insertUser(
  ctx: AppContext,
  fields: { role?: string; email?: string; name?: string; api_key?: string | null } = {},
) {
  const id = crypto.randomUUID();
  const now = Math.floor(Date.now() / 1000);
  const row = {
    id,
    name: fields.name ?? "Test User",
    email: fields.email ?? `${id}@example.com`,
    role: fields.role ?? "user",
    profile_image_url: "/user.png",
    api_key: fields.api_key ?? null,
    created_at: now,
    updated_at: now,
    last_active_at: now,
    settings: null,
    info: null,
  };
  const { user, auth } = ctx.db.t;
  await ctx.db.write(async (tx) => {
    await tx.insert(user).values(row);
    await tx.insert(auth).values({ id, email: row.email, password: "not-a-hash", active: true });
  });
  return row;
}
