// The admin's Ollama connections (OLLAMA_BASE_URLS + OLLAMA_API_CONFIGS).
import type { AppContext } from "../context";
import { userInfoHeaders, type UpstreamSettings, type UserInfo } from "../core/upstream";
import { configFor, type ConnectionConfig } from "../openai/connections";

export interface OllamaConnection {
  idx: number;
  url: string;
  config: ConnectionConfig;
  configured: boolean;
  enabled: boolean;
  key: string | null;
}

export function ollamaConnections(ctx: Pick<AppContext, "config">): OllamaConnection[] {
  const urls = ctx.config.get("OLLAMA_BASE_URLS");
  const configs = ctx.config.get("OLLAMA_API_CONFIGS") ?? {};
  return urls.map((url, idx) => {
    const { config, configured } = configFor(configs, idx, url);
    return { idx, url, config, configured, enabled: config.enable ?? true, key: keyFor(configs, idx, url) };
  });
}

/** get_api_key: by index, else by the URL's scheme://host (older configs). */
function keyFor(configs: Record<string, unknown>, idx: number, url: string): string | null {
  let base = url;
  try {
    const parsed = new URL(url);
    base = `${parsed.protocol}//${parsed.host}`;
  } catch {}
  const found = (configs[String(idx)] ?? configs[base]) as ConnectionConfig | undefined;
  return typeof found?.key === "string" && found.key ? found.key : null;
}

export function ollamaConnection(ctx: Pick<AppContext, "config">, idx: number): OllamaConnection | undefined {
  return Number.isInteger(idx) && idx >= 0 ? ollamaConnections(ctx)[idx] : undefined;
}

export function ollamaHeaders(
  settings: UpstreamSettings,
  connection: Pick<OllamaConnection, "key">,
  user: UserInfo | null,
  chatId?: string | null,
): Record<string, string> {
  return {
    "Content-Type": "application/json",
    ...(connection.key ? { Authorization: `Bearer ${connection.key}` } : {}),
    ...userInfoHeaders(settings, user, chatId),
  };
}

/** Ollama names without a tag mean ":latest". */
export function withTag(name: string): string {
  return name.includes(":") ? name : `${name}:latest`;
}

/** The name the node knows: without the connection's "<prefix_id>." */
export function withoutPrefix(connection: Pick<OllamaConnection, "config">, name: string): string {
  const prefix = connection.config.prefix_id;
  return prefix ? name.replaceAll(`${prefix}.`, "") : name;
}
