// Issuing a session: the JWT, its `token` cookie, and the SessionUser body the frontend stores.
import type { AppContext } from "../context";
import { parseDuration, signToken } from "../core/jwt";
import { mergePermissions, type PermissionTree } from "../core/permissions";
import { listGroupsOfMember } from "../groups/repository";
import type { UserRow } from "../users/repository";
import { HttpError } from "../core/errors";

export interface IssuedToken {
  token: string;
  expiresAt: number | null;
}

/** A token per JWT_EXPIRES_IN ("-1"/"0": never expires; a duration adds an integer `exp`). */
export function issueToken(ctx: AppContext, userId: string): IssuedToken {
  const duration = parseDuration(ctx.config.get("JWT_EXPIRES_IN"));
  if (duration === undefined) throw new HttpError(500, "JWT_EXPIRES_IN is not a valid duration");
  const expiresAt = duration === null ? null : Math.floor(Date.now() / 1000) + Math.trunc(duration);
  const token = signToken(expiresAt === null ? { id: userId } : { id: userId, exp: expiresAt }, ctx.secretKey);
  return { token, expiresAt };
}

export function tokenCookie(ctx: AppContext, token: string, expiresAt: number | null): string {
  const parts = [`token=${token}`, "HttpOnly", "Path=/", `SameSite=${ctx.env.cookie.sameSite}`];
  if (expiresAt !== null) parts.push(`Expires=${new Date(expiresAt * 1000).toUTCString()}`);
  if (ctx.env.cookie.secure) parts.push("Secure");
  return parts.join("; ");
}

export function clearCookie(name: string): string {
  return `${name}=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=lax`;
}

/** Defaults OR'ed with the permissions of every group the user belongs to. */
export async function effectivePermissions(ctx: AppContext, userId: string): Promise<PermissionTree> {
  const groups = await listGroupsOfMember(ctx.db, userId);
  return mergePermissions(
    ctx.config.get("USER_PERMISSIONS"),
    groups.map((g) => g.permissions),
  );
}

export async function sessionUser(ctx: AppContext, user: UserRow, issued: IssuedToken) {
  return {
    token: issued.token,
    token_type: "Bearer",
    expires_at: issued.expiresAt,
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    profile_image_url: user.profile_image_url,
    permissions: await effectivePermissions(ctx, user.id),
  };
}
