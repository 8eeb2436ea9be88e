// Open WebUI's PersistentConfig: each setting has an environment default and a path in the JSON
// of the `config` table. A value stored at the path wins over the environment (unless
// ENABLE_PERSISTENT_CONFIG=false); saving writes the path back in Open WebUI's layout, so the
// Python backend reads the same settings.
import { desc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { parseBool, parseInteger, type Env, type Source } from "./env";
import { defaultPermissions } from "./permissions";
import { RETRIEVAL_REGISTRY } from "../retrieval/settings";
import { AUDIO_REGISTRY } from "../audio/settings";
import { IMAGES_REGISTRY } from "../images/settings";

type Entry<T> = { path: string; fromEnv: (source: Source, env: Env) => T };
const entry = <T>(path: string, fromEnv: (source: Source, env: Env) => T): Entry<T> => ({ path, fromEnv });

const bool = (name: string, fallback: boolean) => (s: Source) => parseBool(s, name, fallback);
const text = (name: string, fallback = "") => (s: Source) => s[name] ?? fallback;
const int = (name: string, fallback: number) => (s: Source) => parseInteger(s, name, fallback);
const optionalText = (name: string) => (s: Source): string | null => s[name] ?? "";
const optionalInt = (name: string) => (s: Source) => (s[name] ? parseInteger(s, name, 0) : null);
const stripSlash = (url: string) => url.trim().replace(/\/+$/, "");

function openaiBaseUrls(s: Source): string[] {
  const single = stripSlash(s.OPENAI_API_BASE_URL || "https://api.openai.com/v1");
  const list = s.OPENAI_API_BASE_URLS ? s.OPENAI_API_BASE_URLS.split(";") : [single];
  return list.map((u) => (u.trim() ? stripSlash(u) : "https://api.openai.com/v1"));
}

function openaiKeys(s: Source): string[] {
  const list = s.OPENAI_API_KEYS ? s.OPENAI_API_KEYS.split(";") : [s.OPENAI_API_KEY ?? ""];
  return list.map((k) => k.trim());
}

function ollamaBaseUrls(s: Source): string[] {
  const legacy = s.OLLAMA_API_BASE_URL ? stripSlash(s.OLLAMA_API_BASE_URL).replace(/\/api$/, "") : "";
  const single = stripSlash(s.OLLAMA_BASE_URL || legacy || "http://localhost:11434");
  const list = s.OLLAMA_BASE_URLS ? s.OLLAMA_BASE_URLS.split(";") : [single];
  return list.map(stripSlash).filter(Boolean);
}

function jsonEnv<T>(name: string, fallback: T) {
  return (s: Source): T => {
    const value = s[name];
    if (!value) return fallback;
    try {
      return JSON.parse(value) as T;
    } catch {
      return fallback;
    }
  };
}

const DEFAULT_PROMPT_SUGGESTIONS = [
  { title: ["Plan a trip", "a weekend in a city I have never visited"], content: "Plan a two-day trip to a city I have never visited, with a budget and a daily schedule." },
  { title: ["Explain a concept", "in plain words"], content: "Explain how public-key cryptography works, in plain words, with one everyday analogy." },
  { title: ["Write a script", "to tidy my downloads folder"], content: "Write a shell script that sorts the files of my downloads folder into folders by type." },
  { title: ["Review my text", "for clarity and tone"], content: "Review the following text for clarity and tone, and suggest a shorter version:" },
];

/** The settings this backend reads, by Open WebUI's attribute name (also the Redis key suffix). */
export const REGISTRY = {
  ENABLE_SIGNUP: entry("ui.enable_signup", (s, env) => env.webuiAuth && parseBool(s, "ENABLE_SIGNUP", true)),
  ENABLE_LOGIN_FORM: entry("ui.ENABLE_LOGIN_FORM", bool("ENABLE_LOGIN_FORM", true)),
  ENABLE_API_KEY: entry("auth.api_key.enable", bool("ENABLE_API_KEY", true)),
  ENABLE_API_KEY_ENDPOINT_RESTRICTIONS: entry("auth.api_key.endpoint_restrictions", bool("ENABLE_API_KEY_ENDPOINT_RESTRICTIONS", false)),
  API_KEY_ALLOWED_ENDPOINTS: entry("auth.api_key.allowed_endpoints", text("API_KEY_ALLOWED_ENDPOINTS")),
  JWT_EXPIRES_IN: entry("auth.jwt_expiry", text("JWT_EXPIRES_IN", "-1")),
  SHOW_ADMIN_DETAILS: entry("auth.admin.show", bool("SHOW_ADMIN_DETAILS", true)),
  ADMIN_EMAIL: entry("auth.admin.email", (s) => s.ADMIN_EMAIL || null),
  DEFAULT_USER_ROLE: entry("ui.default_user_role", text("DEFAULT_USER_ROLE", "pending")),
  WEBUI_URL: entry("webui.url", text("WEBUI_URL")),
  DEFAULT_LOCALE: entry("ui.default_locale", text("DEFAULT_LOCALE")),
  DEFAULT_MODELS: entry("ui.default_models", (s): string | null => s.DEFAULT_MODELS || null),
  DEFAULT_PROMPT_SUGGESTIONS: entry("ui.prompt_suggestions", jsonEnv("DEFAULT_PROMPT_SUGGESTIONS", DEFAULT_PROMPT_SUGGESTIONS)),
  MODEL_ORDER_LIST: entry("ui.model_order_list", jsonEnv<string[] | null>("MODEL_ORDER_LIST", [])),
  PENDING_USER_OVERLAY_TITLE: entry("ui.pending_user_overlay_title", text("PENDING_USER_OVERLAY_TITLE")),
  PENDING_USER_OVERLAY_CONTENT: entry("ui.pending_user_overlay_content", text("PENDING_USER_OVERLAY_CONTENT")),
  RESPONSE_WATERMARK: entry("ui.watermark", text("RESPONSE_WATERMARK")),
  BANNERS: entry("ui.banners", jsonEnv<unknown[]>("WEBUI_BANNERS", [])),
  ENABLE_COMMUNITY_SHARING: entry("ui.enable_community_sharing", bool("ENABLE_COMMUNITY_SHARING", true)),
  ENABLE_MESSAGE_RATING: entry("ui.enable_message_rating", bool("ENABLE_MESSAGE_RATING", true)),
  ENABLE_USER_WEBHOOKS: entry("ui.enable_user_webhooks", bool("ENABLE_USER_WEBHOOKS", true)),
  USER_PERMISSIONS: entry("user.permissions", (s) => defaultPermissions(s)),
  ENABLE_CHANNELS: entry("channels.enable", bool("ENABLE_CHANNELS", false)),
  ENABLE_NOTES: entry("notes.enable", bool("ENABLE_NOTES", true)),
  WEBHOOK_URL: entry("webhook_url", text("WEBHOOK_URL")),
  ENABLE_DIRECT_CONNECTIONS: entry("direct.enable", bool("ENABLE_DIRECT_CONNECTIONS", false)),
  ENABLE_BASE_MODELS_CACHE: entry("models.base_models_cache", bool("ENABLE_BASE_MODELS_CACHE", false)),
  ENABLE_OPENAI_API: entry("openai.enable", bool("ENABLE_OPENAI_API", true)),
  OPENAI_API_BASE_URLS: entry("openai.api_base_urls", openaiBaseUrls),
  OPENAI_API_KEYS: entry("openai.api_keys", openaiKeys),
  OPENAI_API_CONFIGS: entry("openai.api_configs", jsonEnv<Record<string, unknown>>("OPENAI_API_CONFIGS", {})),
  ENABLE_OLLAMA_API: entry("ollama.enable", bool("ENABLE_OLLAMA_API", true)),
  OLLAMA_BASE_URLS: entry("ollama.base_urls", ollamaBaseUrls),
  OLLAMA_API_CONFIGS: entry("ollama.api_configs", jsonEnv<Record<string, unknown>>("OLLAMA_API_CONFIGS", {})),
  TOOL_SERVER_CONNECTIONS: entry("tool_server.connections", jsonEnv<unknown[]>("TOOL_SERVER_CONNECTIONS", [])),
  ENABLE_AUTOCOMPLETE_GENERATION: entry("task.autocomplete.enable", bool("ENABLE_AUTOCOMPLETE_GENERATION", false)),
  ENABLE_CODE_EXECUTION: entry("code_execution.enable", bool("ENABLE_CODE_EXECUTION", true)),
  CODE_EXECUTION_ENGINE: entry("code_execution.engine", text("CODE_EXECUTION_ENGINE", "pyodide")),
  CODE_EXECUTION_JUPYTER_URL: entry("code_execution.jupyter.url", optionalText("CODE_EXECUTION_JUPYTER_URL")),
  CODE_EXECUTION_JUPYTER_AUTH: entry("code_execution.jupyter.auth", optionalText("CODE_EXECUTION_JUPYTER_AUTH")),
  CODE_EXECUTION_JUPYTER_AUTH_TOKEN: entry("code_execution.jupyter.auth_token", optionalText("CODE_EXECUTION_JUPYTER_AUTH_TOKEN")),
  CODE_EXECUTION_JUPYTER_AUTH_PASSWORD: entry("code_execution.jupyter.auth_password", optionalText("CODE_EXECUTION_JUPYTER_AUTH_PASSWORD")),
  CODE_EXECUTION_JUPYTER_TIMEOUT: entry("code_execution.jupyter.timeout", (s): number | null => parseInteger(s, "CODE_EXECUTION_JUPYTER_TIMEOUT", 60)),
  ENABLE_CODE_INTERPRETER: entry("code_interpreter.enable", bool("ENABLE_CODE_INTERPRETER", true)),
  CODE_INTERPRETER_ENGINE: entry("code_interpreter.engine", text("CODE_INTERPRETER_ENGINE", "pyodide")),
  CODE_INTERPRETER_PROMPT_TEMPLATE: entry("code_interpreter.prompt_template", optionalText("CODE_INTERPRETER_PROMPT_TEMPLATE")),
  CODE_INTERPRETER_JUPYTER_URL: entry("code_interpreter.jupyter.url", (s): string | null => s.CODE_INTERPRETER_JUPYTER_URL ?? s.CODE_EXECUTION_JUPYTER_URL ?? ""),
  CODE_INTERPRETER_JUPYTER_AUTH: entry("code_interpreter.jupyter.auth", (s): string | null => s.CODE_INTERPRETER_JUPYTER_AUTH ?? s.CODE_EXECUTION_JUPYTER_AUTH ?? ""),
  CODE_INTERPRETER_JUPYTER_AUTH_TOKEN: entry("code_interpreter.jupyter.auth_token", (s): string | null => s.CODE_INTERPRETER_JUPYTER_AUTH_TOKEN ?? s.CODE_EXECUTION_JUPYTER_AUTH_TOKEN ?? ""),
  CODE_INTERPRETER_JUPYTER_AUTH_PASSWORD: entry("code_interpreter.jupyter.auth_password", (s): string | null => s.CODE_INTERPRETER_JUPYTER_AUTH_PASSWORD ?? s.CODE_EXECUTION_JUPYTER_AUTH_PASSWORD ?? ""),
  CODE_INTERPRETER_JUPYTER_TIMEOUT: entry("code_interpreter.jupyter.timeout", (s): number | null =>
    parseInteger(s, s.CODE_INTERPRETER_JUPYTER_TIMEOUT ? "CODE_INTERPRETER_JUPYTER_TIMEOUT" : "CODE_EXECUTION_JUPYTER_TIMEOUT", 60)),
  ENABLE_WEB_SEARCH: entry("rag.web.search.enable", bool("ENABLE_WEB_SEARCH", false)),
  ENABLE_IMAGE_GENERATION: entry("image_generation.enable", bool("ENABLE_IMAGE_GENERATION", false)),
  ENABLE_GOOGLE_DRIVE_INTEGRATION: entry("google_drive.enable", bool("ENABLE_GOOGLE_DRIVE_INTEGRATION", false)),
  GOOGLE_DRIVE_CLIENT_ID: entry("google_drive.client_id", text("GOOGLE_DRIVE_CLIENT_ID")),
  GOOGLE_DRIVE_API_KEY: entry("google_drive.api_key", text("GOOGLE_DRIVE_API_KEY")),
  ENABLE_ONEDRIVE_INTEGRATION: entry("onedrive.enable", bool("ENABLE_ONEDRIVE_INTEGRATION", false)),
  ONEDRIVE_SHAREPOINT_URL: entry("onedrive.sharepoint_url", text("ONEDRIVE_SHAREPOINT_URL")),
  ONEDRIVE_SHAREPOINT_TENANT_ID: entry("onedrive.sharepoint_tenant_id", text("ONEDRIVE_SHAREPOINT_TENANT_ID")),
  // Open WebUI reads AUDIO_TTS_ENGINE / AUDIO_STT_ENGINE; TTS_ENGINE / STT_ENGINE are accepted too.
  TTS_ENGINE: entry("audio.tts.engine", (s) => s.AUDIO_TTS_ENGINE ?? s.TTS_ENGINE ?? ""),
  TTS_VOICE: entry("audio.tts.voice", text("AUDIO_TTS_VOICE", "alloy")),
  TTS_SPLIT_ON: entry("audio.tts.split_on", text("AUDIO_TTS_SPLIT_ON", "punctuation")),
  STT_ENGINE: entry("audio.stt.engine", (s) => s.AUDIO_STT_ENGINE ?? s.STT_ENGINE ?? ""),
  ...AUDIO_REGISTRY,
  CHUNK_SIZE: entry("rag.chunk_size", int("CHUNK_SIZE", 1000)),
  CHUNK_OVERLAP: entry("rag.chunk_overlap", int("CHUNK_OVERLAP", 100)),
  TOP_K: entry("rag.top_k", int("RAG_TOP_K", 3)),
  FILE_MAX_SIZE: entry("rag.file.max_size", optionalInt("RAG_FILE_MAX_SIZE")),
  FILE_MAX_COUNT: entry("rag.file.max_count", optionalInt("RAG_FILE_MAX_COUNT")),
  FILE_IMAGE_COMPRESSION_WIDTH: entry("file.image_compression_width", optionalInt("FILE_IMAGE_COMPRESSION_WIDTH")),
  FILE_IMAGE_COMPRESSION_HEIGHT: entry("file.image_compression_height", optionalInt("FILE_IMAGE_COMPRESSION_HEIGHT")),
  ENABLE_LDAP: entry("ldap.enable", bool("ENABLE_LDAP", false)),
  LDAP_SERVER_LABEL: entry("ldap.server.label", text("LDAP_SERVER_LABEL", "LDAP Server")),
  LDAP_SERVER_HOST: entry("ldap.server.host", text("LDAP_SERVER_HOST", "localhost")),
  LDAP_SERVER_PORT: entry("ldap.server.port", (s): number | null => parseInteger(s, "LDAP_SERVER_PORT", 389)),
  LDAP_ATTRIBUTE_FOR_MAIL: entry("ldap.server.attribute_for_mail", text("LDAP_ATTRIBUTE_FOR_MAIL", "mail")),
  LDAP_ATTRIBUTE_FOR_USERNAME: entry("ldap.server.attribute_for_username", text("LDAP_ATTRIBUTE_FOR_USERNAME", "uid")),
  LDAP_APP_DN: entry("ldap.server.app_dn", text("LDAP_APP_DN")),
  LDAP_APP_PASSWORD: entry("ldap.server.app_password", text("LDAP_APP_PASSWORD")),
  LDAP_SEARCH_BASE: entry("ldap.server.users_dn", text("LDAP_SEARCH_BASE")),
  LDAP_SEARCH_FILTERS: entry("ldap.server.search_filter", (s) => s.LDAP_SEARCH_FILTER ?? s.LDAP_SEARCH_FILTERS ?? ""),
  LDAP_USE_TLS: entry("ldap.server.use_tls", bool("LDAP_USE_TLS", true)),
  LDAP_CA_CERT_FILE: entry("ldap.server.ca_cert_file", (s): string | null => s.LDAP_CA_CERT_FILE ?? ""),
  LDAP_VALIDATE_CERT: entry("ldap.server.validate_cert", bool("LDAP_VALIDATE_CERT", true)),
  LDAP_CIPHERS: entry("ldap.server.ciphers", (s): string | null => s.LDAP_CIPHERS ?? "ALL"),
  ENABLE_LDAP_GROUP_MANAGEMENT: entry("ldap.group.enable_management", bool("ENABLE_LDAP_GROUP_MANAGEMENT", false)),
  ENABLE_LDAP_GROUP_CREATION: entry("ldap.group.enable_creation", bool("ENABLE_LDAP_GROUP_CREATION", false)),
  LDAP_ATTRIBUTE_FOR_GROUPS: entry("ldap.server.attribute_for_groups", text("LDAP_ATTRIBUTE_FOR_GROUPS", "memberOf")),
  ...RETRIEVAL_REGISTRY,
  ...IMAGES_REGISTRY,
  // Models, tasks (title, tags, follow-ups, queries, autocomplete) and the arena.
  TASK_MODEL: entry("task.model.default", text("TASK_MODEL")),
  TASK_MODEL_EXTERNAL: entry("task.model.external", text("TASK_MODEL_EXTERNAL")),
  TITLE_GENERATION_PROMPT_TEMPLATE: entry("task.title.prompt_template", text("TITLE_GENERATION_PROMPT_TEMPLATE")),
  TAGS_GENERATION_PROMPT_TEMPLATE: entry("task.tags.prompt_template", text("TAGS_GENERATION_PROMPT_TEMPLATE")),
  IMAGE_PROMPT_GENERATION_PROMPT_TEMPLATE: entry("task.image.prompt_template", text("IMAGE_PROMPT_GENERATION_PROMPT_TEMPLATE")),
  FOLLOW_UP_GENERATION_PROMPT_TEMPLATE: entry("task.follow_up.prompt_template", text("FOLLOW_UP_GENERATION_PROMPT_TEMPLATE")),
  ENABLE_FOLLOW_UP_GENERATION: entry("task.follow_up.enable", bool("ENABLE_FOLLOW_UP_GENERATION", true)),
  ENABLE_TAGS_GENERATION: entry("task.tags.enable", bool("ENABLE_TAGS_GENERATION", true)),
  ENABLE_TITLE_GENERATION: entry("task.title.enable", bool("ENABLE_TITLE_GENERATION", true)),
  ENABLE_SEARCH_QUERY_GENERATION: entry("task.query.search.enable", bool("ENABLE_SEARCH_QUERY_GENERATION", true)),
  ENABLE_RETRIEVAL_QUERY_GENERATION: entry("task.query.retrieval.enable", bool("ENABLE_RETRIEVAL_QUERY_GENERATION", true)),
  QUERY_GENERATION_PROMPT_TEMPLATE: entry("task.query.prompt_template", text("QUERY_GENERATION_PROMPT_TEMPLATE")),
  AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH: entry("task.autocomplete.input_max_length", int("AUTOCOMPLETE_GENERATION_INPUT_MAX_LENGTH", -1)),
  AUTOCOMPLETE_GENERATION_PROMPT_TEMPLATE: entry("task.autocomplete.prompt_template", text("AUTOCOMPLETE_GENERATION_PROMPT_TEMPLATE")),
  TOOLS_FUNCTION_CALLING_PROMPT_TEMPLATE: entry("task.tools.prompt_template", text("TOOLS_FUNCTION_CALLING_PROMPT_TEMPLATE")),
  ENABLE_EVALUATION_ARENA_MODELS: entry("evaluation.arena.enable", bool("ENABLE_EVALUATION_ARENA_MODELS", true)),
  EVALUATION_ARENA_MODELS: entry("evaluation.arena.models", () => [] as unknown[]),
} satisfies Record<string, Entry<unknown>>;

export type ConfigKey = keyof typeof REGISTRY;
export type ConfigValue<K extends ConfigKey> = ReturnType<(typeof REGISTRY)[K]["fromEnv"]>;
export type ConfigValues = { [K in ConfigKey]: ConfigValue<K> };

type Json = Record<string, unknown>;

export class AppConfig {
  private values: ConfigValues;
  private listeners: ((changed: Partial<ConfigValues>) => void)[] = [];

  private constructor(
    private readonly db: Db,
    private readonly env: Env,
    stored: Json,
  ) {
    this.values = this.resolve(stored);
  }

  /** Reads the newest `config` row once, as Open WebUI does at startup. */
  static async load(db: Db, env: Env): Promise<AppConfig> {
    return new AppConfig(db, env, await readStored(db));
  }

  get<K extends ConfigKey>(key: K): ConfigValue<K> {
    return this.values[key];
  }

  /** Saves several settings at once: one read-merge-write of the stored JSON. */
  async set(changes: Partial<ConfigValues>): Promise<void> {
    await this.db.write(async (tx) => {
      const { config } = this.db.t;
      const [row] = await tx.select({ id: config.id, data: config.data }).from(config).orderBy(desc(config.id)).limit(1);
      const data: Json = isObject(row?.data) ? structuredClone(row.data) : { version: 0, ui: {} };
      for (const [key, value] of Object.entries(changes)) setPath(data, REGISTRY[key as ConfigKey].path, value);
      if (row?.id != null) {
        await tx.update(config).set({ data, updated_at: utcTimestamp() }).where(eq(config.id, row.id));
      } else {
        const now = utcTimestamp();
        await tx.insert(config).values({ data, version: 0, created_at: now, updated_at: now });
      }
    });
    this.apply(changes);
  }

  /** The stored JSON as it is in the table (configs/export). */
  async exportStored(): Promise<Json> {
    return readStored(this.db);
  }

  /**
   * Replaces the whole stored JSON (configs/import), then adopts every known setting the new
   * JSON holds; settings it lacks keep their current values, as in Open WebUI.
   */
  async replaceStored(data: Json): Promise<void> {
    await this.db.write(async (tx) => {
      const { config } = this.db.t;
      const [row] = await tx.select({ id: config.id }).from(config).orderBy(desc(config.id)).limit(1);
      if (row?.id != null) await tx.update(config).set({ data, updated_at: utcTimestamp() }).where(eq(config.id, row.id));
      else await tx.insert(config).values({ data, version: 0, created_at: utcTimestamp(), updated_at: utcTimestamp() });
    });
    const changes: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(REGISTRY)) {
      const value = getPath(data, item.path);
      if (value !== undefined) changes[key] = value;
    }
    this.apply(changes as Partial<ConfigValues>);
  }

  /** Takes values saved elsewhere (another instance) without writing them again. */
  apply(changes: Partial<ConfigValues>): void {
    this.values = { ...this.values, ...changes };
    for (const listener of this.listeners) listener(changes);
  }

  onChange(listener: (changed: Partial<ConfigValues>) => void): void {
    this.listeners.push(listener);
  }

  private resolve(stored: Json): ConfigValues {
    const values = {} as Record<string, unknown>;
    for (const [key, item] of Object.entries(REGISTRY)) {
      const fromDb = this.env.enablePersistentConfig ? getPath(stored, item.path) : undefined;
      values[key] = fromDb ?? item.fromEnv(this.env.raw, this.env);
    }
    return values as ConfigValues;
  }
}

async function readStored(db: Db): Promise<Json> {
  const { config } = db.t;
  const [row] = await db.read.select({ data: config.data }).from(config).orderBy(desc(config.id)).limit(1);
  return isObject(row?.data) ? row.data : { version: 0, ui: {} };
}

/** `datetime.now()`-like naive timestamp text, readable by SQLAlchemy on both dialects. */
function utcTimestamp(): string {
  return new Date().toISOString().replace("T", " ").replace("Z", "");
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A stored JSON null counts as absent, as in Open WebUI. */
export function getPath(data: Json, path: string): unknown {
  let node: unknown = data;
  for (const part of path.split(".")) {
    if (!isObject(node)) return undefined;
    node = node[part];
  }
  return node ?? undefined;
}

export function setPath(data: Json, path: string, value: unknown): void {
  const parts = path.split(".");
  let node = data;
  for (const part of parts.slice(0, -1)) {
    if (!isObject(node[part])) node[part] = {};
    node = node[part] as Json;
  }
  node[parts[parts.length - 1] as string] = value;
}
