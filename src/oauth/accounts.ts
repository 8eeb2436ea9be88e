// From a provider's claims to a local account, as Open WebUI's OAuthManager.handle_callback:
// find by `{provider}@{sub}`, else (if allowed) by e-mail, else create (if allowed); then the
// role and group mappings.
import { eq } from "drizzle-orm";
import type { AppContext } from "../context";
import { ERROR_MESSAGES, HttpError, badRequest } from "../core/errors";
import { safeFetch } from "../core/safe-fetch";
import { insertGroup, listGroups, memberIds, updateGroup } from "../groups/repository";
import { hashPassword } from "../auths/passwords";
import { EmailTakenError, insertAccount } from "../auths/repository";
import { notifySignup } from "../auths/webhook";
import { countUsers, findFirstUser, findUserByEmail, updateUser, type Role, type UserRow } from "../users/repository";
import type { OAuthSettings, ProviderSettings } from "./providers";

export type Claims = Record<string, unknown>;

const invalid = () => badRequest(ERROR_MESSAGES.INVALID_CRED);

/** A claim by dotted path ("realm_access.roles"). */
export function claimAt(claims: Claims, path: string): unknown {
  let value: unknown = claims;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    value = (value as Claims)[key];
  }
  return value;
}

const asList = (value: unknown, numbers: boolean): string[] =>
  Array.isArray(value)
    ? value.map(String)
    : typeof value === "string" || (numbers && typeof value === "number")
      ? [String(value)]
      : [];

async function findUserByOauthSub(ctx: AppContext, oauthSub: string): Promise<UserRow | undefined> {
  const { user } = ctx.db.t;
  const [row] = await ctx.db.read.select().from(user).where(eq(user.oauth_sub, oauthSub)).limit(1);
  return row;
}

/** The role an OAuth sign-in gives: admin for the only account, else the claim mapping. */
async function decideRole(ctx: AppContext, settings: OAuthSettings, user: UserRow | undefined, claims: Claims): Promise<Role> {
  const users = await countUsers(ctx.db);
  if ((user && users === 1) || (!user && users === 0)) return "admin";
  const fallback = ctx.config.get("DEFAULT_USER_ROLE") as Role;
  if (!settings.enableRoleManagement) return user ? (user.role as Role) : fallback;
  const { rolesClaim, allowedRoles, adminRoles } = settings;
  const roles = rolesClaim && allowedRoles.length && adminRoles.length ? asList(claimAt(claims, rolesClaim), true) : [];
  if (roles.some((r) => adminRoles.includes(r))) return "admin";
  if (roles.some((r) => allowedRoles.includes(r))) return "user";
  return fallback;
}

function domainAllowed(settings: OAuthSettings, email: string): boolean {
  return settings.allowedDomains.includes("*") || settings.allowedDomains.includes(email.split("@").at(-1) ?? "");
}

/** The account for these claims, created or updated; throws the HttpError the reference would. */
export async function accountForClaims(
  ctx: AppContext,
  settings: OAuthSettings,
  provider: ProviderSettings,
  claims: Claims,
  accessToken: string | undefined,
): Promise<UserRow> {
  const sub = claims[settings.subClaim ?? provider.subClaim];
  if (sub === undefined || sub === null || sub === "") throw invalid();
  const oauthSub = `${provider.id}@${sub}`;
  const rawEmail = claims[settings.emailClaim];
  if (typeof rawEmail !== "string" || !rawEmail) throw invalid();
  const email = rawEmail.toLowerCase();
  if (!domainAllowed(settings, email)) throw invalid();

  let user = await findUserByOauthSub(ctx, oauthSub);
  if (!user && settings.mergeAccountsByEmail) {
    user = await findUserByEmail(ctx.db, email);
    if (user) user = (await updateUser(ctx.db, user.id, { oauth_sub: oauthSub })) ?? user;
  }
  if (user) return updateExisting(ctx, settings, provider, user, claims, accessToken);
  if (!settings.enableSignup) throw new HttpError(403, ERROR_MESSAGES.ACCESS_PROHIBITED);
  if (await findUserByEmail(ctx.db, email)) throw badRequest(ERROR_MESSAGES.EMAIL_TAKEN);

  const pictureUrl = settings.pictureClaim
    ? await pictureDataUrl(ctx, String(claims[settings.pictureClaim] ?? provider.pictureUrl ?? ""), accessToken)
    : "/user.png";
  const name = claims[settings.usernameClaim];
  try {
    const created = await insertAccount(ctx.db, {
      email,
      passwordHash: await hashPassword(crypto.randomUUID()),
      name: typeof name === "string" && name ? name : email,
      profileImageUrl: pictureUrl,
      role: await decideRole(ctx, settings, undefined, claims),
      firstUserRole: "admin",
      oauthSub,
    });
    ctx.hasUsers = true;
    notifySignup(ctx, created);
    return created;
  } catch (error) {
    if (error instanceof EmailTakenError) throw badRequest(ERROR_MESSAGES.EMAIL_TAKEN);
    throw error;
  }
}

async function updateExisting(
  ctx: AppContext,
  settings: OAuthSettings,
  provider: ProviderSettings,
  user: UserRow,
  claims: Claims,
  accessToken: string | undefined,
): Promise<UserRow> {
  const role = await decideRole(ctx, settings, user, claims);
  const change: Partial<UserRow> = {};
  if (role !== user.role) change.role = role;
  if (settings.updatePictureOnLogin && settings.pictureClaim) {
    const picture = await pictureDataUrl(ctx, String(claims[settings.pictureClaim] ?? provider.pictureUrl ?? ""), accessToken);
    if (picture !== user.profile_image_url) change.profile_image_url = picture;
  }
  if (Object.keys(change).length === 0) return user;
  const updated = (await updateUser(ctx.db, user.id, change)) ?? user;
  ctx.auth.forget(user.id);
  return updated;
}

const IMAGE_TYPES: Record<string, string> = { png: "image/png", gif: "image/gif", webp: "image/webp", svg: "image/svg+xml" };

/** The provider's picture as a data URL, or "/user.png" (the URL is the user's to choose, so it is fetched safely). */
async function pictureDataUrl(ctx: AppContext, url: string, accessToken: string | undefined): Promise<string> {
  if (!url) return "/user.png";
  try {
    const result = await safeFetch(url, {
      headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
      timeoutMs: 10_000,
      maxBytes: 5 * 1024 * 1024,
    });
    if (result.status < 200 || result.status >= 300) return "/user.png";
    const extension = new URL(url).pathname.split(".").at(-1)?.toLowerCase() ?? "";
    // Like Python's mimetypes.guess_type on the URL, falling back to JPEG.
    const type = IMAGE_TYPES[extension] ?? "image/jpeg";
    return `data:${type};base64,${Buffer.from(result.body).toString("base64")}`;
  } catch (error) {
    ctx.log.warn("OAuth profile picture not fetched", error instanceof Error ? error.message : error);
    return "/user.png";
  }
}

/** Whether a group name matches one of OAUTH_BLOCKED_GROUPS (exact, regular expression, or glob). */
export function isBlockedGroup(name: string, patterns: string[]): boolean {
  return patterns.some((pattern) => {
    if (!pattern) return false;
    if (name === pattern) return true;
    if (/[\^$[\](){}+\\|]/.test(pattern)) {
      try {
        if (new RegExp(pattern).test(name)) return true;
      } catch {}
    }
    if (/[*?]/.test(pattern)) {
      const glob = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", ".*").replaceAll("?", ".");
      return new RegExp(`^${glob}$`, "s").test(name);
    }
    return false;
  });
}

/** ENABLE_OAUTH_GROUP_MANAGEMENT: membership follows the groups claim (blocked groups are left alone). */
export async function syncOAuthGroups(ctx: AppContext, settings: OAuthSettings, user: UserRow, claims: Claims): Promise<void> {
  const wanted = settings.groupsClaim ? asList(claimAt(claims, settings.groupsClaim), false) : [];
  let blocked: string[] = [];
  try {
    const parsed = JSON.parse(settings.blockedGroups);
    if (Array.isArray(parsed)) blocked = parsed.map(String);
  } catch {}
  if (settings.enableGroupCreation && wanted.length > 0) {
    const existing = new Set((await listGroups(ctx.db)).map((g) => g.name));
    const creator = (await findFirstUser(ctx.db))?.id ?? user.id;
    for (const name of new Set(wanted)) {
      if (existing.has(name)) continue;
      await insertGroup(ctx.db, creator, {
        name,
        description: `Group '${name}' created automatically via OAuth.`,
        permissions: ctx.config.get("USER_PERMISSIONS") as Record<string, unknown>,
      });
    }
  }
  if (wanted.length === 0) return;
  for (const group of await listGroups(ctx.db)) {
    const name = group.name ?? "";
    if (isBlockedGroup(name, blocked)) continue;
    const listed = wanted.includes(name);
    if (listed === memberIds(group).includes(user.id)) continue;
    await updateGroup(ctx.db, group.id, (row) => ({
      user_ids: listed ? [...memberIds(row), user.id] : memberIds(row).filter((id) => id !== user.id),
    }));
  }
  ctx.auth.forget(user.id);
}
