// The OAuth sign-in providers configured by environment, as Open WebUI's load_oauth_providers:
// a provider exists only when its client id and secret (and URL, for OIDC) are set.
// (Open WebUI can also keep these under `oauth.*` in the config table, but only with
// ENABLE_OAUTH_PERSISTENT_CONFIG=true, which is off by default; that mode is not supported.)
import type { Source } from "../core/env";

export interface ProviderSettings {
  id: string;
  /** What /api/config shows on the "Continue with …" button. */
  displayName: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  /** Fixed redirect URI, else `{base}/oauth/{id}/callback`. */
  redirectUri: string;
  /** OpenID discovery document; absent for plain OAuth 2 providers (GitHub). */
  metadataUrl?: string;
  /** Endpoints of plain OAuth 2 providers. */
  endpoints?: { authorization: string; token: string; userinfo: string };
  tokenAuthMethod: "client_secret_basic" | "client_secret_post" | "none";
  /** Claim holding the subject when OAUTH_SUB_CLAIM is unset. */
  subClaim: string;
  pictureUrl?: string;
  timeoutMs: number;
}

export interface OAuthSettings {
  providers: Map<string, ProviderSettings>;
  enableSignup: boolean;
  mergeAccountsByEmail: boolean;
  enableRoleManagement: boolean;
  enableGroupManagement: boolean;
  enableGroupCreation: boolean;
  blockedGroups: string;
  rolesClaim: string;
  groupsClaim: string;
  subClaim?: string;
  emailClaim: string;
  usernameClaim: string;
  pictureClaim: string;
  allowedRoles: string[];
  adminRoles: string[];
  allowedDomains: string[];
  updatePictureOnLogin: boolean;
  idTokenCookie: boolean;
  sessionTokenKey: string;
}

const bool = (value: string | undefined, fallback: boolean) =>
  value === undefined ? fallback : value.toLowerCase() === "true";
const list = (value: string) => value.split(",").map((item) => item.trim());

export function readOAuthSettings(raw: Source, secretKey: string): OAuthSettings {
  const get = (name: string, fallback = "") => raw[name] ?? fallback;
  // Open WebUI's default is no limit; an unanswered provider would then hang the sign-in.
  const timeoutMs = get("OAUTH_TIMEOUT") ? Number.parseInt(get("OAUTH_TIMEOUT"), 10) * 1000 || 30_000 : 30_000;
  const providers = new Map<string, ProviderSettings>();
  const add = (p: Omit<ProviderSettings, "timeoutMs" | "tokenAuthMethod" | "subClaim"> & Partial<ProviderSettings>) =>
    providers.set(p.id, { tokenAuthMethod: "client_secret_basic", subClaim: "sub", timeoutMs, ...p });

  if (get("GOOGLE_CLIENT_ID") && get("GOOGLE_CLIENT_SECRET")) {
    add({
      id: "google",
      displayName: "google",
      clientId: get("GOOGLE_CLIENT_ID"),
      clientSecret: get("GOOGLE_CLIENT_SECRET"),
      scope: get("GOOGLE_OAUTH_SCOPE", "openid email profile"),
      redirectUri: get("GOOGLE_REDIRECT_URI"),
      metadataUrl: "https://accounts.google.com/.well-known/openid-configuration",
    });
  }
  const tenant = get("MICROSOFT_CLIENT_TENANT_ID");
  if (get("MICROSOFT_CLIENT_ID") && get("MICROSOFT_CLIENT_SECRET") && tenant) {
    const loginBase = get("MICROSOFT_CLIENT_LOGIN_BASE_URL", "https://login.microsoftonline.com");
    add({
      id: "microsoft",
      displayName: "microsoft",
      clientId: get("MICROSOFT_CLIENT_ID"),
      clientSecret: get("MICROSOFT_CLIENT_SECRET"),
      scope: get("MICROSOFT_OAUTH_SCOPE", "openid email profile"),
      redirectUri: get("MICROSOFT_REDIRECT_URI"),
      metadataUrl: `${loginBase}/${tenant}/v2.0/.well-known/openid-configuration?appid=${get("MICROSOFT_CLIENT_ID")}`,
      pictureUrl: get("MICROSOFT_CLIENT_PICTURE_URL", "https://graph.microsoft.com/v1.0/me/photo/$value"),
    });
  }
  if (get("GITHUB_CLIENT_ID") && get("GITHUB_CLIENT_SECRET")) {
    add({
      id: "github",
      displayName: "github",
      clientId: get("GITHUB_CLIENT_ID"),
      clientSecret: get("GITHUB_CLIENT_SECRET"),
      scope: get("GITHUB_CLIENT_SCOPE", "user:email"),
      redirectUri: get("GITHUB_CLIENT_REDIRECT_URI"),
      endpoints: {
        authorization: "https://github.com/login/oauth/authorize",
        token: "https://github.com/login/oauth/access_token",
        userinfo: "https://api.github.com/user",
      },
      subClaim: "id",
    });
  }
  const challenge = get("OAUTH_CODE_CHALLENGE_METHOD");
  if (get("OAUTH_CLIENT_ID") && (get("OAUTH_CLIENT_SECRET") || challenge) && get("OPENID_PROVIDER_URL")) {
    const method = get("OAUTH_TOKEN_ENDPOINT_AUTH_METHOD");
    add({
      id: "oidc",
      displayName: get("OAUTH_PROVIDER_NAME", "SSO"),
      clientId: get("OAUTH_CLIENT_ID"),
      clientSecret: get("OAUTH_CLIENT_SECRET"),
      scope: get("OAUTH_SCOPES", "openid email profile"),
      redirectUri: get("OPENID_REDIRECT_URI"),
      metadataUrl: get("OPENID_PROVIDER_URL"),
      tokenAuthMethod: !get("OAUTH_CLIENT_SECRET")
        ? "none"
        : method === "client_secret_post"
          ? "client_secret_post"
          : "client_secret_basic",
    });
  }

  return {
    providers,
    enableSignup: bool(raw.ENABLE_OAUTH_SIGNUP, false),
    mergeAccountsByEmail: bool(raw.OAUTH_MERGE_ACCOUNTS_BY_EMAIL, false),
    enableRoleManagement: bool(raw.ENABLE_OAUTH_ROLE_MANAGEMENT, false),
    enableGroupManagement: bool(raw.ENABLE_OAUTH_GROUP_MANAGEMENT, false),
    enableGroupCreation: bool(raw.ENABLE_OAUTH_GROUP_CREATION, false),
    blockedGroups: get("OAUTH_BLOCKED_GROUPS", "[]"),
    rolesClaim: get("OAUTH_ROLES_CLAIM", "roles"),
    groupsClaim: raw.OAUTH_GROUPS_CLAIM ?? raw.OAUTH_GROUP_CLAIM ?? "groups",
    subClaim: raw.OAUTH_SUB_CLAIM || undefined,
    emailClaim: get("OAUTH_EMAIL_CLAIM", "email"),
    usernameClaim: get("OAUTH_USERNAME_CLAIM", "name"),
    pictureClaim: get("OAUTH_PICTURE_CLAIM", "picture"),
    allowedRoles: list(get("OAUTH_ALLOWED_ROLES", "user,admin")),
    adminRoles: list(get("OAUTH_ADMIN_ROLES", "admin")),
    allowedDomains: list(get("OAUTH_ALLOWED_DOMAINS", "*")),
    updatePictureOnLogin: bool(raw.OAUTH_UPDATE_PICTURE_ON_LOGIN, false),
    idTokenCookie: bool(raw.ENABLE_OAUTH_ID_TOKEN_COOKIE, true),
    sessionTokenKey: raw.OAUTH_SESSION_TOKEN_ENCRYPTION_KEY ?? secretKey,
  };
}

/** `oauth.providers` of /api/config: id → button name (only OIDC has a custom name). */
export function providerNames(settings: OAuthSettings): Record<string, string> {
  return Object.fromEntries([...settings.providers.values()].map((p) => [p.id, p.displayName]));
}
