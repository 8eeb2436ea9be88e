// /api/v1/auths: sign-up, sign-in, sign-out, the session, profile and password, API keys, and
// the admin's general settings, as Open WebUI 0.6.32's routers/auths.py.
import { Elysia, t } from "elysia";
import type { AppContext } from "../context";
import { authGuard, readToken } from "../core/auth";
import { ERROR_MESSAGES, HttpError, badRequest } from "../core/errors";
import { findUserByEmail, findFirstUser, ROLES, updateUser, type Role, type UserRow } from "../users/repository";
import { toUserBrief } from "../users/views";
import { adminConfigRoutes } from "./admin-config";
import { signinWithLdap } from "./ldap";
import { providerSignoutUrl } from "../oauth/signout";
import { hashPassword, passwordTooLong, spendVerifyTime, verifyPassword } from "./passwords";
import { SigninLimiter } from "./rate-limit";
import { EmailTakenError, findCredentials, findPasswordHash, insertAccount, setPasswordHash } from "./repository";
import { clearCookie, issueToken, sessionUser, tokenCookie } from "./session";
import { syncTrustedGroups } from "./trusted-groups";
import { notifySignup } from "./webhook";

const SignupBody = t.Object({
  name: t.String(),
  email: t.String(),
  password: t.String(),
  profile_image_url: t.Optional(t.String()),
});
const SigninBody = t.Object({ email: t.String(), password: t.String() });

export function isValidEmail(email: string): boolean {
  return email.endsWith("@localhost") || /^[^@]+@[^@]+\.[^@]+/.test(email);
}

export function authsRoutes(ctx: AppContext) {
  const limiter = new SigninLimiter(ctx.redis, ctx.env.redisKeyPrefix);

  /** Creates an account; `role` is used unless this is the very first account (admin). */
  async function createAccount(form: { name: string; email: string; password: string; profile_image_url?: string }, role: Role) {
    const email = form.email.toLowerCase();
    if (!isValidEmail(email)) throw badRequest(ERROR_MESSAGES.INVALID_EMAIL_FORMAT);
    if (await findUserByEmail(ctx.db, email)) throw badRequest(ERROR_MESSAGES.EMAIL_TAKEN);
    try {
      return await insertAccount(ctx.db, {
        email,
        passwordHash: await hashPassword(form.password),
        name: form.name,
        profileImageUrl: form.profile_image_url ?? "/user.png",
        role,
        firstUserRole: "admin",
      });
    } catch (error) {
      if (error instanceof EmailTakenError) throw badRequest(ERROR_MESSAGES.EMAIL_TAKEN);
      throw error;
    }
  }

  async function signup(form: { name: string; email: string; password: string; profile_image_url?: string }) {
    const hadUsers = ctx.hasUsers || (await findFirstUser(ctx.db)) !== undefined;
    if (ctx.env.webuiAuth) {
      const closed = !ctx.config.get("ENABLE_SIGNUP") || !ctx.config.get("ENABLE_LOGIN_FORM");
      const initialAdminAllowed = ctx.env.raw.ENABLE_INITIAL_ADMIN_SIGNUP?.toLowerCase() === "true";
      if (closed && (hadUsers || !initialAdminAllowed)) throw new HttpError(403, ERROR_MESSAGES.ACCESS_PROHIBITED);
    } else if (hadUsers) {
      throw new HttpError(403, ERROR_MESSAGES.ACCESS_PROHIBITED);
    }
    // Open WebUI means to answer 400 here; its broad `try` turns it into a 500, which we do not copy.
    if (passwordTooLong(form.password)) throw badRequest(ERROR_MESSAGES.PASSWORD_TOO_LONG);
    const user = await createAccount(form, ctx.config.get("DEFAULT_USER_ROLE") as Role);
    ctx.hasUsers = true;
    if (user.role === "admin" && !hadUsers) await ctx.config.set({ ENABLE_SIGNUP: false });
    notifySignup(ctx, user);
    return user;
  }

  async function respondWithSession(user: UserRow, set: { headers: Record<string, unknown> }) {
    const issued = issueToken(ctx, user.id);
    set.headers["set-cookie"] = tokenCookie(ctx, issued.token, issued.expiresAt);
    return sessionUser(ctx, user, issued);
  }

  async function signinWithPassword(email: string, password: string): Promise<UserRow> {
    const credentials = await findCredentials(ctx.db, email);
    if (!credentials) {
      await spendVerifyTime(password);
      throw badRequest(ERROR_MESSAGES.INVALID_CRED);
    }
    const user = (await verifyPassword(password, credentials.password)) ? await findUserByEmail(ctx.db, email) : undefined;
    if (!user || user.id !== credentials.id) throw badRequest(ERROR_MESSAGES.INVALID_CRED);
    return user;
  }

  async function signinByTrustedHeader(request: Request): Promise<UserRow> {
    const header = ctx.env.trustedEmailHeader as string;
    const email = request.headers.get(header)?.toLowerCase();
    if (!email) throw badRequest(ERROR_MESSAGES.INVALID_TRUSTED_HEADER);
    let user = await findUserByEmail(ctx.db, email);
    if (!user) {
      const nameHeader = ctx.env.trustedNameHeader;
      const name = (nameHeader && request.headers.get(nameHeader)) || email;
      await signup({ email, name, password: crypto.randomUUID() });
      user = await findUserByEmail(ctx.db, email);
    }
    if (!user) throw badRequest(ERROR_MESSAGES.INVALID_CRED);
    await syncTrustedGroups(ctx, user, request);
    return user;
  }

  /** WEBUI_AUTH=false: everyone is the single local admin. */
  async function signinWithoutAuth(): Promise<UserRow> {
    const email = "admin@localhost";
    let user = await findUserByEmail(ctx.db, email);
    if (!user) {
      if (ctx.hasUsers || (await findFirstUser(ctx.db))) throw badRequest(ERROR_MESSAGES.EXISTING_USERS);
      await signup({ email, password: "admin", name: "User" });
      user = await findUserByEmail(ctx.db, email);
    }
    if (!user) throw badRequest(ERROR_MESSAGES.INVALID_CRED);
    return user;
  }

  return new Elysia({ name: "auths", prefix: "/api/v1/auths" })
    .use(authGuard(ctx))
    .get(
      "/",
      async ({ request, user, set }) => {
        const token = readToken(request) as string;
        const isJwt = !token.startsWith("sk-");
        const expiresAt = isJwt ? ctx.auth.expiryOf(token) : null;
        if (isJwt) set.headers["set-cookie"] = tokenCookie(ctx, token, expiresAt);
        return {
          ...(await sessionUser(ctx, user, { token, expiresAt })),
          bio: user.bio ?? null,
          gender: user.gender ?? null,
          date_of_birth: user.date_of_birth ?? null,
        };
      },
      { auth: "any", detail: { tags: ["auths"] } },
    )
    .post(
      "/signup",
      async ({ body, set }) => respondWithSession(await signup(body), set),
      { body: SignupBody, detail: { tags: ["auths"] } },
    )
    .post(
      "/signin",
      async ({ body, request, set }) => {
        let user: UserRow;
        if (ctx.env.trustedEmailHeader) user = await signinByTrustedHeader(request);
        else if (!ctx.env.webuiAuth) user = await signinWithoutAuth();
        else {
          const email = body.email.toLowerCase();
          if (!(await limiter.allow(email))) throw new HttpError(429, ERROR_MESSAGES.RATE_LIMIT_EXCEEDED);
          user = await signinWithPassword(email, body.password);
        }
        return respondWithSession(user, set);
      },
      { body: SigninBody, detail: { tags: ["auths"] } },
    )
    .post("/ldap", async ({ body, set }) => respondWithSession(await signinWithLdap(ctx, body.user, body.password), set), {
      body: t.Object({ user: t.String(), password: t.String() }),
      detail: { tags: ["auths"] },
    })
    .get(
      "/signout",
      async ({ set, request }) => {
        set.headers["set-cookie"] = ["token", "oui-session", "oauth_id_token", "oauth_session_id"].map(clearCookie) as never;
        const providerLogout = await providerSignoutUrl(ctx, request);
        if (providerLogout) return { status: true, redirect_url: providerLogout };
        const redirect = ctx.env.raw.WEBUI_AUTH_SIGNOUT_REDIRECT_URL;
        return redirect ? { status: true, redirect_url: redirect } : { status: true };
      },
      { detail: { tags: ["auths"] } },
    )
    .post(
      "/add",
      async ({ body }) => {
        const user = await createAccount(body, (body.role ?? "pending") as Role);
        ctx.hasUsers = true;
        return {
          token: issueToken(ctx, user.id).token,
          token_type: "Bearer",
          ...toUserBrief(user),
        };
      },
      {
        auth: "admin",
        body: t.Object({
          name: t.String(),
          email: t.String(),
          password: t.String(),
          profile_image_url: t.Optional(t.String()),
          role: t.Optional(t.Union(ROLES.map((r) => t.Literal(r)))),
        }),
        detail: { tags: ["auths"] },
      },
    )
    .post(
      "/update/profile",
      async ({ body, user }) => {
        const updated = await updateUser(ctx.db, user.id, {
          name: body.name,
          profile_image_url: body.profile_image_url,
          ...(body.bio !== undefined ? { bio: body.bio } : {}),
          ...(body.gender !== undefined ? { gender: body.gender } : {}),
          ...(body.date_of_birth !== undefined ? { date_of_birth: body.date_of_birth } : {}),
        });
        if (!updated) throw badRequest(ERROR_MESSAGES.DEFAULT);
        ctx.auth.forget(user.id);
        return toUserBrief(updated);
      },
      {
        auth: "verified",
        body: t.Object({
          name: t.String({ minLength: 1 }),
          profile_image_url: t.String(),
          bio: t.Optional(t.Nullable(t.String())),
          gender: t.Optional(t.Nullable(t.String())),
          date_of_birth: t.Optional(t.Nullable(t.String({ pattern: "^\\d{4}-\\d{2}-\\d{2}$" }))),
        }),
        detail: { tags: ["auths"] },
      },
    )
    .post(
      "/update/password",
      async ({ body, user }) => {
        if (ctx.env.trustedEmailHeader) throw badRequest(ERROR_MESSAGES.ACTION_PROHIBITED);
        const hash = await findPasswordHash(ctx.db, user.id);
        if (!hash || !(await verifyPassword(body.password, hash))) throw badRequest(ERROR_MESSAGES.INVALID_PASSWORD);
        return setPasswordHash(ctx.db, user.id, await hashPassword(body.new_password));
      },
      { auth: "any", body: t.Object({ password: t.String(), new_password: t.String() }), detail: { tags: ["auths"] } },
    )
    .get(
      "/admin/details",
      async () => {
        if (!ctx.config.get("SHOW_ADMIN_DETAILS")) throw badRequest(ERROR_MESSAGES.ACTION_PROHIBITED);
        const email = ctx.config.get("ADMIN_EMAIL");
        const admin = email ? await findUserByEmail(ctx.db, email) : await findFirstUser(ctx.db);
        return { name: admin?.name ?? null, email: email ?? admin?.email ?? null };
      },
      { auth: "any", detail: { tags: ["auths"] } },
    )
    .post(
      "/api_key",
      async ({ user }) => {
        if (!ctx.config.get("ENABLE_API_KEY")) throw new HttpError(403, ERROR_MESSAGES.API_KEY_CREATION_NOT_ALLOWED);
        const apiKey = `sk-${crypto.randomUUID().replace(/-/g, "")}`;
        if (!(await updateUser(ctx.db, user.id, { api_key: apiKey }))) {
          throw new HttpError(500, ERROR_MESSAGES.CREATE_API_KEY_ERROR);
        }
        ctx.auth.forget(user.id);
        return { api_key: apiKey };
      },
      { auth: "any", detail: { tags: ["auths"] } },
    )
    .get(
      "/api_key",
      ({ user }) => {
        if (!user.api_key) throw new HttpError(404, ERROR_MESSAGES.API_KEY_NOT_FOUND);
        return { api_key: user.api_key };
      },
      { auth: "any", detail: { tags: ["auths"] } },
    )
    .delete(
      "/api_key",
      async ({ user }) => {
        const updated = await updateUser(ctx.db, user.id, { api_key: null });
        ctx.auth.forget(user.id);
        return Boolean(updated);
      },
      { auth: "any", detail: { tags: ["auths"] } },
    )
    .use(adminConfigRoutes(ctx));
}
