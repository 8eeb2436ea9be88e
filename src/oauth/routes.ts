// /oauth/{provider}/login and its callback (/oauth/{provider}/callback, or /login/callback), as
// Open WebUI's main.py with OAuthManager: every failure of the callback comes back to the
// sign-in page as `/auth?error=<detail>`; success sets the `token` cookie the page picks up.
import { Elysia } from "elysia";
import type { AppContext } from "../context";
import { readCookie } from "../core/auth";
import { ERROR_MESSAGES, HttpError, notFound } from "../core/errors";
import { issueToken } from "../auths/session";
import { accountForClaims, syncOAuthGroups } from "./accounts";
import { beginLogin, clearPendingCookie, completeLogin, fetchUserinfo, githubPrimaryEmail, pendingCookie, STATE_COOKIE } from "./flow";
import { readOAuthSettings, type OAuthSettings, type ProviderSettings } from "./providers";
import { replaceOAuthSession } from "./sessions";

const settingsByContext = new WeakMap<AppContext, OAuthSettings>();

export function oauthSettings(ctx: AppContext): OAuthSettings {
  let settings = settingsByContext.get(ctx);
  if (!settings) {
    settings = readOAuthSettings(ctx.env.raw, ctx.secretKey);
    settingsByContext.set(ctx, settings);
  }
  return settings;
}

function providerOr404(ctx: AppContext, id: string): ProviderSettings {
  const provider = oauthSettings(ctx).providers.get(id);
  if (!provider) throw notFound("Not Found");
  return provider;
}

/** Starlette's RedirectResponse quoting: spaces and the like are escaped, URL syntax is kept. */
function quoteUrl(url: string): string {
  return Array.from(new TextEncoder().encode(url), (byte) => {
    const char = String.fromCharCode(byte);
    return /[A-Za-z0-9_.\-~:/%#?=@[\]!$&'()*+,;]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }).join("");
}

function redirect(location: string, status: number, cookies: string[] = []): Response {
  const headers = new Headers({ location: quoteUrl(location) });
  for (const cookie of cookies) headers.append("set-cookie", cookie);
  return new Response(null, { status, headers });
}

function baseUrl(ctx: AppContext, request: Request): string {
  return (String(ctx.config.get("WEBUI_URL") || "") || new URL(request.url).origin).replace(/\/+$/, "");
}

function cookie(ctx: AppContext, name: string, value: string, httpOnly: boolean): string {
  const parts = [`${name}=${value}`, "Path=/", `SameSite=${ctx.env.cookie.sameSite}`];
  if (httpOnly) parts.push("HttpOnly");
  if (ctx.env.cookie.secure) parts.push("Secure");
  return parts.join("; ");
}

async function login(ctx: AppContext, request: Request, id: string): Promise<Response> {
  const provider = providerOr404(ctx, id);
  const redirectUri = provider.redirectUri || `${new URL(request.url).origin}/oauth/${id}/callback`;
  try {
    const { location, pending } = await beginLogin(provider, redirectUri, ctx.secretKey);
    return redirect(location, 302, [pendingCookie(pending, ctx.env.cookie.secure)]);
  } catch (error) {
    ctx.log.warn(`OAuth login with ${id} failed`, error instanceof Error ? error.message : error);
    throw new HttpError(502, "The sign-in provider could not be reached.");
  }
}

async function callback(ctx: AppContext, request: Request, id: string): Promise<Response> {
  const provider = providerOr404(ctx, id);
  const settings = oauthSettings(ctx);
  const authPage = `${baseUrl(ctx, request)}/auth`;
  try {
    let completed;
    try {
      completed = await completeLogin(provider, new URL(request.url), readCookie(request, STATE_COOKIE) ?? undefined, ctx.secretKey);
    } catch (error) {
      ctx.log.warn(`OAuth callback from ${id} refused`, error instanceof Error ? error.message : error);
      throw new HttpError(400, ERROR_MESSAGES.INVALID_CRED);
    }
    let claims = completed.claims;
    if (!(settings.emailClaim in claims) || !(settings.usernameClaim in claims)) {
      claims = await fetchUserinfo(provider, completed).catch((error) => {
        ctx.log.warn(`OAuth userinfo from ${id} failed`, error instanceof Error ? error.message : error);
        throw new HttpError(400, ERROR_MESSAGES.INVALID_CRED);
      });
    }
    const accessToken = typeof completed.token.access_token === "string" ? completed.token.access_token : undefined;
    if (id === "github" && !claims[settings.emailClaim] && accessToken) {
      const email = await githubPrimaryEmail(provider, accessToken).catch(() => undefined);
      if (!email) throw new HttpError(400, ERROR_MESSAGES.INVALID_CRED);
      claims = { ...claims, [settings.emailClaim]: email };
    }
    const user = await accountForClaims(ctx, settings, provider, claims, accessToken);
    if (settings.enableGroupManagement && user.role !== "admin") await syncOAuthGroups(ctx, settings, user, claims);

    const { token } = issueToken(ctx, user.id);
    const cookies = [clearPendingCookie(), cookie(ctx, "token", token, false)];
    const idToken = completed.token.id_token;
    if (settings.idTokenCookie && typeof idToken === "string") cookies.push(cookie(ctx, "oauth_id_token", idToken, true));
    const storedToken = { ...completed.token, ...(Object.keys(completed.claims).length ? { userinfo: completed.claims } : {}) };
    const sessionId = await replaceOAuthSession(ctx, settings.sessionTokenKey, user.id, id, storedToken).catch((error) => {
      ctx.log.error("OAuth session not stored", error instanceof Error ? error.message : error);
      return undefined;
    });
    if (sessionId) cookies.push(cookie(ctx, "oauth_session_id", sessionId, true));
    return redirect(authPage, 307, cookies);
  } catch (error) {
    const detail =
      error instanceof HttpError && typeof error.detail === "string" && error.detail
        ? error.detail
        : "[ERROR: Error during OAuth process]";
    if (!(error instanceof HttpError)) ctx.log.error("OAuth sign-in failed", error instanceof Error ? error.message : error);
    return redirect(`${authPage}?error=${detail}`, 307, [clearPendingCookie()]);
  }
}

export function oauthRoutes(ctx: AppContext) {
  return new Elysia({ name: "oauth" })
    .get("/oauth/:provider/login", ({ request, params }) => login(ctx, request, params.provider), {
      detail: { tags: ["oauth"] },
    })
    .get("/oauth/:provider/login/callback", ({ request, params }) => callback(ctx, request, params.provider), {
      detail: { tags: ["oauth"] },
    })
    .get("/oauth/:provider/callback", ({ request, params }) => callback(ctx, request, params.provider), {
      detail: { tags: ["oauth"] },
    });
}
