// The authorization-code flow against one provider: the redirect to its sign-in page (with
// state, nonce and a PKCE challenge kept in a short-lived signed cookie), and on return the
// checks of state, code exchange, ID token (signature, issuer, audience, nonce) and userinfo.
// Every call to the provider goes through upstreamFetch with the provider's time limit.
import { createHmac, timingSafeEqual } from "node:crypto";
import * as oauth from "oauth4webapi";
import { upstreamFetch } from "../core/upstream";
import type { ProviderSettings } from "./providers";

export const STATE_COOKIE = "owui-oauth-state";
const STATE_MAX_AGE_S = 600;
const METADATA_TTL_MS = 10 * 60_000;

interface PendingLogin {
  provider: string;
  state: string;
  nonce: string;
  verifier: string;
  redirectUri: string;
  exp: number;
}

export interface CompletedLogin {
  /** Claims of the ID token, or the userinfo answer when those lack the e-mail or name. */
  claims: Record<string, unknown>;
  /** The token endpoint's answer (stored, encrypted, as the OAuth session). */
  token: Record<string, unknown>;
}

export class OAuthFlowError extends Error {}

const metadataCache = new Map<string, { server: oauth.AuthorizationServer; at: number }>();

function fetchOptions(provider: ProviderSettings) {
  const url = provider.metadataUrl ?? provider.endpoints?.token ?? "";
  return {
    [oauth.customFetch]: (input: string | URL | Request, init?: RequestInit) =>
      upstreamFetch(String(input instanceof Request ? input.url : input), init ?? {}, provider.timeoutMs),
    // Provider URLs are admin configuration; Open WebUI accepts plain http ones too.
    ...(url.startsWith("http:") ? { [oauth.allowInsecureRequests]: true } : {}),
  };
}

async function authorizationServer(provider: ProviderSettings): Promise<oauth.AuthorizationServer> {
  if (provider.endpoints) {
    return {
      issuer: new URL(provider.endpoints.authorization).origin,
      authorization_endpoint: provider.endpoints.authorization,
      token_endpoint: provider.endpoints.token,
      userinfo_endpoint: provider.endpoints.userinfo,
    };
  }
  return discover(provider.metadataUrl as string, provider.timeoutMs);
}

/** A provider's discovery document, kept for a few minutes. */
export async function discover(url: string, timeoutMs: number): Promise<oauth.AuthorizationServer> {
  const cached = metadataCache.get(url);
  if (cached && Date.now() - cached.at < METADATA_TTL_MS) return cached.server;
  const response = await upstreamFetch(url, { headers: { accept: "application/json" } }, timeoutMs);
  if (!response.ok) throw new OAuthFlowError(`discovery answered ${response.status}`);
  const server = (await response.json()) as oauth.AuthorizationServer;
  if (typeof server?.issuer !== "string" || typeof server.authorization_endpoint !== "string" || typeof server.token_endpoint !== "string") {
    throw new OAuthFlowError("discovery document lacks issuer or endpoints");
  }
  metadataCache.set(url, { server, at: Date.now() });
  return server;
}

function client(provider: ProviderSettings): [oauth.Client, oauth.ClientAuth] {
  const auth =
    provider.tokenAuthMethod === "none"
      ? oauth.None()
      : provider.tokenAuthMethod === "client_secret_post"
        ? oauth.ClientSecretPost(provider.clientSecret)
        : oauth.ClientSecretBasic(provider.clientSecret);
  return [{ client_id: provider.clientId }, auth];
}

const isOidc = (provider: ProviderSettings) => !provider.endpoints && provider.scope.split(/\s+/).includes("openid");

/** The provider's authorization URL and the cookie that remembers this attempt. */
export async function beginLogin(
  provider: ProviderSettings,
  redirectUri: string,
  secret: string,
): Promise<{ location: string; pending: string }> {
  const server = await authorizationServer(provider);
  const login: PendingLogin = {
    provider: provider.id,
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    verifier: oauth.generateRandomCodeVerifier(),
    redirectUri,
    exp: Math.floor(Date.now() / 1000) + STATE_MAX_AGE_S,
  };
  const url = new URL(server.authorization_endpoint as string);
  const params = {
    response_type: "code",
    client_id: provider.clientId,
    redirect_uri: redirectUri,
    scope: provider.scope,
    state: login.state,
    code_challenge: await oauth.calculatePKCECodeChallenge(login.verifier),
    code_challenge_method: "S256",
    ...(isOidc(provider) ? { nonce: login.nonce } : {}),
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return { location: url.href, pending: sealPending(login, secret) };
}

/** Exchanges the code for tokens after checking the callback against the pending login. */
export async function completeLogin(
  provider: ProviderSettings,
  callbackUrl: URL,
  pendingCookie: string | undefined,
  secret: string,
): Promise<CompletedLogin> {
  const login = pendingCookie ? openPending(pendingCookie, secret) : undefined;
  if (!login || login.provider !== provider.id) throw new OAuthFlowError("no pending sign-in for this provider");
  const server = await authorizationServer(provider);
  const [c, auth] = client(provider);
  const options = fetchOptions(provider);
  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(server, c, callbackUrl.searchParams, login.state);
  } catch (error) {
    throw new OAuthFlowError(error instanceof Error ? error.message : String(error));
  }
  const response = await oauth.authorizationCodeGrantRequest(server, c, auth, params, login.redirectUri, login.verifier, {
    ...options,
    // GitHub answers form-encoded unless asked for JSON.
    headers: { accept: "application/json" },
  });
  const oidc = isOidc(provider);
  const token = await oauth.processAuthorizationCodeResponse(server, c, response, {
    ...(oidc ? { expectedNonce: login.nonce, requireIdToken: true } : {}),
  });
  let claims: Record<string, unknown> = {};
  if (oidc) {
    // The token came straight from the provider over TLS; checking its signature against the
    // published keys as well keeps a misrouted or spoofed endpoint from minting identities.
    await oauth.validateApplicationLevelSignature(server, response, options);
    claims = { ...(oauth.getValidatedIdTokenClaims(token) ?? {}) };
  }
  return { claims, token: { ...token } as Record<string, unknown> };
}

/** The userinfo endpoint's answer for the token (checked to be the ID token's subject). */
export async function fetchUserinfo(provider: ProviderSettings, completed: CompletedLogin): Promise<Record<string, unknown>> {
  const server = await authorizationServer(provider);
  const [c] = client(provider);
  const accessToken = String(completed.token.access_token ?? "");
  const response = await oauth.userInfoRequest(server, c, accessToken, fetchOptions(provider));
  const subject = typeof completed.claims.sub === "string" ? completed.claims.sub : oauth.skipSubjectCheck;
  if (!isOidc(provider)) {
    if (!response.ok) throw new OAuthFlowError(`userinfo answered ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  }
  return { ...(await oauth.processUserInfoResponse(server, c, subject, response)) };
}

/** GitHub hides private e-mails from /user; the primary one is listed under /user/emails. */
export async function githubPrimaryEmail(provider: ProviderSettings, accessToken: string): Promise<string | undefined> {
  const response = await upstreamFetch(
    "https://api.github.com/user/emails",
    { headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" } },
    provider.timeoutMs,
  );
  if (!response.ok) return undefined;
  const emails = (await response.json()) as { email?: unknown; primary?: unknown }[];
  const primary = Array.isArray(emails) ? emails.find((e) => e?.primary && typeof e.email === "string") : undefined;
  return primary?.email as string | undefined;
}

function sign(payload: string, secret: string): string {
  return createHmac("sha256", `oauth-state:${secret}`).update(payload).digest("base64url");
}

function sealPending(login: PendingLogin, secret: string): string {
  const payload = Buffer.from(JSON.stringify(login)).toString("base64url");
  return `${payload}.${sign(payload, secret)}`;
}

function openPending(cookie: string, secret: string): PendingLogin | undefined {
  const [payload, mac] = cookie.split(".");
  if (!payload || !mac) return undefined;
  const expected = Buffer.from(sign(payload, secret));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
  try {
    const login = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as PendingLogin;
    return login.exp > Date.now() / 1000 ? login : undefined;
  } catch {
    return undefined;
  }
}

export function pendingCookie(value: string, secure: boolean): string {
  // Lax, whatever the session setting: the provider's redirect back is a cross-site navigation.
  return `${STATE_COOKIE}=${value}; HttpOnly; Path=/oauth; Max-Age=${STATE_MAX_AGE_S}; SameSite=lax${secure ? "; Secure" : ""}`;
}

export function clearPendingCookie(): string {
  return `${STATE_COOKIE}=; HttpOnly; Path=/oauth; Max-Age=0; SameSite=lax`;
}
