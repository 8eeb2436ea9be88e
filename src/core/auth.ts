// The one auth path: every route names its level, and this resolves the caller from a Bearer
// JWT, the `token` cookie, or an API key (`Bearer sk-…` or `x-api-key`), the way Open WebUI's
// get_current_user does, with the same status codes and detail strings.
import { Elysia } from "elysia";
import type { AppContext } from "../context";
import { findUserByApiKey, findUserById, touchLastActive, type UserRow } from "../users/repository";
import { ERROR_MESSAGES, HttpError } from "./errors";
import { verifyToken } from "./jwt";
import type { PermissionTree } from "./permissions";

export type AuthLevel = "optional" | "any" | "verified" | "admin";

type MaybePromise<T> = T | Promise<T>;

export interface AuthOptions {
  /**
   * Write `last_active_at` (default). Socket connections do not, like Open WebUI's: a restart
   * makes every browser reconnect at once, and those writes would queue behind each other.
   */
  recordActivity?: boolean;
}

const USER_CACHE_MS = 5_000;
const TOKEN_CACHE_SIZE = 10_000;
const ACTIVE_WRITE_INTERVAL_S = 60;

/** Cookies Open WebUI clears whenever authentication fails. */
export const CLEAR_AUTH_COOKIES: [string, string][] = ["token", "oauth_id_token", "oauth_session_id"].map((name) => [
  "set-cookie",
  `${name}=; Max-Age=0; Path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT`,
]);

const fail = (status: number, detail: string) => new HttpError(status, detail, CLEAR_AUTH_COOKIES);

export class Authenticator {
  private tokens = new Map<string, { id: string; exp?: number }>();
  private users = new Map<string, { row: UserRow; at: number }>();
  private lastActiveWrite = new Map<string, number>();
  private permissions = new Map<string, { tree: PermissionTree; at: number }>();

  constructor(private readonly ctx: Pick<AppContext, "db" | "config" | "env" | "secretKey" | "log">) {
    ctx.config.onChange((changed) => {
      if ("USER_PERMISSIONS" in changed) this.permissions.clear();
    });
  }

  /**
   * The caller at `level`, or an HttpError; "optional" yields null instead of failing. When the
   * token and the user row are cached (nearly every request) the answer comes back at once, not
   * as a promise: on a cheap route a chain of awaits costs more than the checks themselves.
   */
  authenticate(request: Request, level: AuthLevel, options: AuthOptions = {}): MaybePromise<UserRow | null> {
    const record = options.recordActivity ?? true;
    const token = readToken(request);
    if (level === "optional") {
      if (token === null) return null;
      try {
        const user = this.identify(request, token, record);
        return user instanceof Promise ? user.catch(() => null) : user;
      } catch {
        return null;
      }
    }
    const user = this.identify(request, token, record);
    return user instanceof Promise ? user.then((row) => allowedAt(row, level)) : allowedAt(user, level);
  }

  /** The `exp` of a JWT this authenticator accepted (null: never expires), without re-verifying. */
  expiryOf(token: string): number | null {
    return this.verify(token)?.exp ?? null;
  }

  /** Drops cached copies of a user after a change (role, key, groups, deletion). */
  forget(userId: string): void {
    this.users.delete(userId);
    this.permissions.delete(userId);
  }

  /**
   * A user's effective permissions, computed at most every few seconds: every page load reads
   * them, and they change only with the user's groups (forget) or the defaults (cleared here).
   */
  async permissionsOf(userId: string, compute: () => Promise<PermissionTree>): Promise<PermissionTree> {
    const cached = this.permissions.get(userId);
    const now = Date.now();
    if (cached && now - cached.at < USER_CACHE_MS) return cached.tree;
    const tree = await compute();
    if (this.permissions.size >= TOKEN_CACHE_SIZE) this.permissions.clear();
    this.permissions.set(userId, { tree, at: now });
    return tree;
  }

  private identify(request: Request, token: string | null, recordActivity: boolean): MaybePromise<UserRow> {
    if (!token) throw fail(401, ERROR_MESSAGES.NOT_AUTHENTICATED);
    if (token.startsWith("sk-")) return this.identifyApiKey(token, new URL(request.url).pathname, recordActivity);

    const now = Date.now();
    const payload = this.verify(token, now);
    if (!payload) throw fail(401, ERROR_MESSAGES.UNAUTHORIZED);
    const cached = this.users.get(payload.id);
    if (cached && now - cached.at < USER_CACHE_MS) return this.admit(request, cached.row, recordActivity, now);
    return this.loadUser(payload.id).then((user) => {
      if (!user) throw fail(401, ERROR_MESSAGES.INVALID_TOKEN);
      return this.admit(request, user, recordActivity, now);
    });
  }

  /** The checks after the token: the trusted email header must match, activity is recorded. */
  private admit(request: Request, user: UserRow, recordActivity: boolean, now: number): UserRow {
    const trustedHeader = this.ctx.env.trustedEmailHeader;
    const trustedEmail = trustedHeader ? request.headers.get(trustedHeader) : null;
    if (trustedEmail && trustedEmail.toLowerCase() !== user.email.toLowerCase()) {
      throw fail(401, ERROR_MESSAGES.USER_MISMATCH);
    }
    if (recordActivity) this.markActive(user.id, now);
    return user;
  }

  private async identifyApiKey(key: string, path: string, recordActivity: boolean): Promise<UserRow> {
    const { config } = this.ctx;
    if (!config.get("ENABLE_API_KEY")) throw fail(403, ERROR_MESSAGES.API_KEY_NOT_ALLOWED);
    if (config.get("ENABLE_API_KEY_ENDPOINT_RESTRICTIONS")) {
      const allowed = config
        .get("API_KEY_ALLOWED_ENDPOINTS")
        .split(",")
        .map((e) => e.trim())
        .filter(Boolean);
      if (!allowed.some((e) => path === e || path.startsWith(`${e}/`))) {
        throw fail(403, ERROR_MESSAGES.API_KEY_NOT_ALLOWED);
      }
    }
    const user = await findUserByApiKey(this.ctx.db, key);
    if (!user) throw fail(401, ERROR_MESSAGES.INVALID_TOKEN);
    if (recordActivity) this.markActive(user.id, Date.now());
    return user;
  }

  private verify(token: string, nowMs = Date.now()): { id: string; exp?: number } | null {
    const cached = this.tokens.get(token);
    const now = nowMs / 1000;
    if (cached) return cached.exp === undefined || cached.exp > now ? cached : null;
    const payload = verifyToken(token, this.ctx.secretKey, now);
    if (!payload) return null;
    if (this.tokens.size >= TOKEN_CACHE_SIZE) this.tokens.clear();
    const entry = { id: payload.id, exp: payload.exp };
    this.tokens.set(token, entry);
    return entry;
  }

  private async loadUser(id: string): Promise<UserRow | undefined> {
    const row = await findUserById(this.ctx.db, id);
    if (row) this.users.set(id, { row, at: Date.now() });
    else this.users.delete(id);
    return row;
  }

  /** last_active_at, written at most once a minute per user (Python writes on every request). */
  private markActive(id: string, nowMs: number): void {
    const now = Math.floor(nowMs / 1000);
    if (now - (this.lastActiveWrite.get(id) ?? 0) < ACTIVE_WRITE_INTERVAL_S) return;
    this.lastActiveWrite.set(id, now);
    touchLastActive(this.ctx.db, id, now).catch((error) => this.ctx.log.warn("could not record activity", error));
  }
}

/** The role check of a level ("optional" and "any" let every signed-in role through). */
function allowedAt(user: UserRow, level: AuthLevel): UserRow {
  if (level === "verified" && user.role !== "user" && user.role !== "admin") {
    throw new HttpError(401, ERROR_MESSAGES.ACCESS_PROHIBITED);
  }
  if (level === "admin" && user.role !== "admin") throw new HttpError(401, ERROR_MESSAGES.ACCESS_PROHIBITED);
  return user;
}

export function readToken(request: Request): string | null {
  const header = request.headers.get("authorization");
  if (header) {
    // "Bearer <token>" as clients send it, without running the pattern below.
    if (header.startsWith("Bearer ") && isVisible(header.charCodeAt(7)) && isVisible(header.charCodeAt(header.length - 1))) {
      return header.slice(7);
    }
    const match = /^bearer\s+(.+)$/i.exec(header.trim());
    if (match?.[1]) return match[1].trim();
  }
  const apiKey = request.headers.get("x-api-key");
  if (apiKey?.startsWith("sk-")) return apiKey.trim();
  return readCookie(request, "token");
}

/** A printable ASCII character other than the space. */
function isVisible(code: number): boolean {
  return code > 32 && code < 127;
}

export function readCookie(request: Request, name: string): string | null {
  const cookies = request.headers.get("cookie");
  if (!cookies) return null;
  for (const part of cookies.split(";")) {
    const index = part.indexOf("=");
    if (index > 0 && part.slice(0, index).trim() === name) {
      const value = part.slice(index + 1).trim();
      return value ? decodeURIComponent(value) : null;
    }
  }
  return null;
}

/**
 * Elysia macro: `{ auth: "verified" }` on a route puts the caller in `user`. The check runs in
 * the transform phase, before body validation, so an unauthenticated caller gets 401, never 422.
 */
export function authGuard(ctx: Pick<AppContext, "auth">) {
  const callers = new WeakMap<Request, UserRow | null>();
  // Not async functions: the caller is usually known at once (see Authenticator.authenticate).
  // Elysia still awaits these hooks, since they return a call's result (its check for async
  // hooks), so a cache miss's promise is settled before the handler runs.
  const remember = (request: Request, user: MaybePromise<UserRow | null>) => {
    if (!(user instanceof Promise)) return void callers.set(request, user);
    return user.then((row) => void callers.set(request, row));
  };
  return new Elysia({ name: "auth-guard" }).macro({
    auth: (level: Exclude<AuthLevel, "optional">) => ({
      transform: ({ request }: { request: Request }) => remember(request, ctx.auth.authenticate(request, level)),
      resolve: ({ request }) => ({ user: callers.get(request) as UserRow }),
    }),
    optionalAuth: (enabled: true) => ({
      transform: ({ request }: { request: Request }) =>
        remember(request, enabled ? ctx.auth.authenticate(request, "optional") : null),
      resolve: ({ request }) => ({ user: callers.get(request) ?? null }),
    }),
  });
}
