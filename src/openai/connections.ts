// The admin's OpenAI-compatible connections: base URL, key and per-connection settings
// (OPENAI_API_CONFIGS keyed by index, or by URL in older configs).
import type { AppContext } from "../context";
import { userInfoHeaders, type UpstreamSettings, type UserInfo } from "../core/upstream";

export interface ConnectionConfig {
  enable?: boolean;
  key?: string;
  prefix_id?: string;
  model_ids?: string[];
  tags?: { name: string }[];
  connection_type?: string;
  auth_type?: string;
  azure?: boolean;
  api_version?: string;
  [extra: string]: unknown;
}

export interface OpenAIConnection {
  idx: number;
  url: string;
  key: string;
  config: ConnectionConfig;
  /** The connection's settings exist (a connection without any is fetched like an enabled one). */
  configured: boolean;
  enabled: boolean;
}

/** What the caller sent that an auth_type of "session" forwards upstream. */
export interface CallerCredentials {
  token?: string | null;
  cookie?: string | null;
}

export function configFor(configs: Record<string, unknown>, idx: number, url: string): { config: ConnectionConfig; configured: boolean } {
  const byIndex = configs[String(idx)];
  const byUrl = configs[url];
  const found = byIndex ?? byUrl;
  const config = typeof found === "object" && found !== null ? (found as ConnectionConfig) : {};
  return { config, configured: byIndex !== undefined || byUrl !== undefined };
}

export function openaiConnections(ctx: Pick<AppContext, "config">): OpenAIConnection[] {
  const urls = ctx.config.get("OPENAI_API_BASE_URLS");
  const keys = ctx.config.get("OPENAI_API_KEYS");
  const configs = ctx.config.get("OPENAI_API_CONFIGS") ?? {};
  return urls.map((url, idx) => {
    const { config, configured } = configFor(configs, idx, url);
    return { idx, url, key: keys[idx] ?? "", config, configured, enabled: config.enable ?? true };
  });
}

export function openaiConnection(ctx: Pick<AppContext, "config">, idx: number): OpenAIConnection | undefined {
  return Number.isInteger(idx) && idx >= 0 ? openaiConnections(ctx)[idx] : undefined;
}

/** Headers for a call to the connection, per its auth_type (get_headers_and_cookies). */
export function openaiHeaders(
  settings: UpstreamSettings,
  connection: Pick<OpenAIConnection, "url" | "key" | "config">,
  user: UserInfo | null,
  credentials: CallerCredentials = {},
  chatId?: string | null,
): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    ...(connection.url.includes("openrouter.ai") ? { "HTTP-Referer": "https://openwebui.com/", "X-Title": "Open WebUI" } : {}),
    ...userInfoHeaders(settings, user, chatId),
  };
  const authType = connection.config.auth_type;
  let token: string | null | undefined = null;
  if (authType === undefined || authType === null || authType === "bearer") token = connection.key;
  else if (authType === "session") {
    token = credentials.token;
    if (credentials.cookie) headers.Cookie = credentials.cookie;
  }
  // "none" sends nothing; OAuth and Entra ID tokens are not available to this backend.
  if (token) headers.Authorization = `Bearer ${token}`;
  if (connection.config.azure && authType !== "azure_ad" && authType !== "microsoft_entra_id") {
    headers["api-key"] = connection.key;
  }
  return headers;
}
