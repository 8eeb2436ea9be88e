// The process environment, read once at start with Open WebUI's variable names and defaults.
// A bad value stops startup with a ConfigError that names the variable.
import { isAbsolute, join, resolve } from "node:path";

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

export type Source = Record<string, string | undefined>;

export type DatabaseTarget =
  | { dialect: "sqlite"; path: string }
  | { dialect: "postgres"; url: string };

export type LogLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL";

export interface Env {
  host: string;
  port: number;
  env: string;
  dataDir: string;
  uploadDir: string;
  secretKey: string | undefined;
  secretKeyFile: string;
  database: DatabaseTarget;
  pool: { size: number | undefined; maxOverflow: number; timeoutSeconds: number; recycleSeconds: number };
  sqliteWal: boolean;
  redisUrl: string;
  redisKeyPrefix: string;
  websocketManager: string;
  corsAllowOrigins: string[];
  logLevel: LogLevel;
  webuiName: string;
  webuiAuth: boolean;
  frontendBuildDir: string;
  staticDir: string;
  enablePersistentConfig: boolean;
  enableApiDocs: boolean;
  cookie: { sameSite: "lax" | "strict" | "none"; secure: boolean };
  trustedEmailHeader: string | undefined;
  trustedNameHeader: string | undefined;
  /** SCIM 2.0 at /api/v1/scim/v2: mounted only when enabled, and answered only for this bearer token. */
  scim: { enabled: boolean; token: string };
  /** Raw access for PersistentConfig defaults (Appendix C of the reference). */
  raw: Source;
}

const LOG_LEVELS: LogLevel[] = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

export function readEnv(source: Source = process.env, cwd = process.cwd()): Env {
  const get = (name: string) => {
    const value = source[name];
    return value === undefined || value === "" ? undefined : value;
  };
  const dataDir = resolve(cwd, get("DATA_DIR") ?? "data");
  const webuiAuth = parseBool(source, "WEBUI_AUTH", true);
  const sessionSameSite = parseSameSite(source, "WEBUI_SESSION_COOKIE_SAME_SITE", "lax");
  const sessionSecure = parseBool(source, "WEBUI_SESSION_COOKIE_SECURE", false);
  const name = get("WEBUI_NAME") ?? "Open WebUI";

  return {
    host: get("HOST") ?? "0.0.0.0",
    port: parsePort(source, "PORT", 8080),
    env: get("ENV") ?? "dev",
    dataDir,
    uploadDir: resolve(cwd, get("UPLOAD_DIR") ?? join(dataDir, "uploads")),
    secretKey: source.WEBUI_SECRET_KEY ?? source.WEBUI_JWT_SECRET_KEY,
    secretKeyFile: resolve(cwd, get("WEBUI_SECRET_KEY_FILE") ?? join(dataDir, ".webui_secret_key")),
    database: parseDatabaseUrl(get("DATABASE_URL"), dataDir, cwd),
    pool: {
      size: get("DATABASE_POOL_SIZE") === undefined ? undefined : parseInteger(source, "DATABASE_POOL_SIZE", 0, 0),
      maxOverflow: parseInteger(source, "DATABASE_POOL_MAX_OVERFLOW", 0, 0),
      timeoutSeconds: parseInteger(source, "DATABASE_POOL_TIMEOUT", 30, 0),
      recycleSeconds: parseInteger(source, "DATABASE_POOL_RECYCLE", 3600, -1),
    },
    sqliteWal: parseBool(source, "DATABASE_ENABLE_SQLITE_WAL", false),
    redisUrl: parseRedisUrl(source),
    redisKeyPrefix: get("REDIS_KEY_PREFIX") ?? "open-webui",
    websocketManager: (get("WEBSOCKET_MANAGER") ?? "").toLowerCase(),
    corsAllowOrigins: parseCorsOrigins(source),
    logLevel: parseLogLevel(source),
    webuiName: name === "Open WebUI" ? name : `${name} (Open WebUI)`,
    webuiAuth,
    frontendBuildDir: resolve(cwd, get("FRONTEND_BUILD_DIR") ?? "build"),
    staticDir: resolve(cwd, get("STATIC_DIR") ?? "static"),
    enablePersistentConfig: parseBool(source, "ENABLE_PERSISTENT_CONFIG", true),
    enableApiDocs: parseBool(source, "ENABLE_API_DOCS", (get("ENV") ?? "dev") === "dev"),
    cookie: {
      sameSite: parseSameSite(source, "WEBUI_AUTH_COOKIE_SAME_SITE", sessionSameSite),
      secure: parseBool(source, "WEBUI_AUTH_COOKIE_SECURE", sessionSecure),
    },
    trustedEmailHeader: get("WEBUI_AUTH_TRUSTED_EMAIL_HEADER"),
    trustedNameHeader: get("WEBUI_AUTH_TRUSTED_NAME_HEADER"),
    scim: { enabled: parseBool(source, "SCIM_ENABLED", false), token: source.SCIM_TOKEN ?? "" },
    raw: source,
  };
}

/** Python's `os.environ.get(name, default).lower() == "true"`, but a value that is neither is refused. */
/** CACHE_DIR (default: the data folder's `cache`), where speech, recordings and models are kept. */
export function cacheDir(env: Pick<Env, "raw" | "dataDir">): string {
  return env.raw.CACHE_DIR || join(env.dataDir, "cache");
}

export function parseBool(source: Source, name: string, fallback: boolean): boolean {
  const value = source[name];
  if (value === undefined || value === "") return fallback;
  const lower = value.trim().toLowerCase();
  if (lower === "true" || lower === "1" || lower === "yes") return true;
  if (lower === "false" || lower === "0" || lower === "no") return false;
  throw new ConfigError(name, `"${value}" is not a boolean (use true or false)`);
}

export function parseInteger(source: Source, name: string, fallback: number, min = Number.MIN_SAFE_INTEGER): number {
  const value = source[name];
  if (value === undefined || value === "") return fallback;
  if (!/^-?\d+$/.test(value.trim())) throw new ConfigError(name, `"${value}" is not a whole number`);
  const parsed = Number(value.trim());
  if (parsed < min) throw new ConfigError(name, `${parsed} is below the minimum of ${min}`);
  return parsed;
}

function parsePort(source: Source, name: string, fallback: number): number {
  const port = parseInteger(source, name, fallback, 0);
  if (port > 65535) throw new ConfigError(name, `${port} is not a port number (0-65535)`);
  return port;
}

function parseSameSite(source: Source, name: string, fallback: "lax" | "strict" | "none") {
  const value = source[name]?.trim().toLowerCase();
  if (!value) return fallback;
  if (value === "lax" || value === "strict" || value === "none") return value;
  throw new ConfigError(name, `"${source[name]}" must be lax, strict or none`);
}

function parseLogLevel(source: Source): LogLevel {
  const value = (source.GLOBAL_LOG_LEVEL ?? "INFO").trim().toUpperCase();
  const level = (value === "WARN" ? "WARNING" : value) as LogLevel;
  if (!LOG_LEVELS.includes(level)) {
    throw new ConfigError("GLOBAL_LOG_LEVEL", `"${source.GLOBAL_LOG_LEVEL}" is not one of ${LOG_LEVELS.join(", ")}`);
  }
  return level;
}

/** `sqlite:///relative.db`, `sqlite:////absolute.db`, `postgres://…` or `postgresql://…`. */
export function parseDatabaseUrl(value: string | undefined, dataDir: string, cwd: string): DatabaseTarget {
  if (value === undefined) return { dialect: "sqlite", path: join(dataDir, "webui.db") };
  const url = value.trim();
  const sqlite = /^sqlite:\/\/\/(.+)$/.exec(url);
  if (sqlite?.[1]) {
    const path = sqlite[1];
    return { dialect: "sqlite", path: isAbsolute(path) ? path : resolve(cwd, path) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError("DATABASE_URL", "is not a valid postgresql:// URL");
    }
    if (!parsed.hostname) throw new ConfigError("DATABASE_URL", "has no host name");
    return { dialect: "postgres", url: url.replace(/^postgres:\/\//, "postgresql://") };
  }
  throw new ConfigError(
    "DATABASE_URL",
    "must start with sqlite:/// (a file) or postgresql:// (other databases are not supported)",
  );
}

function parseRedisUrl(source: Source): string {
  const value = source.REDIS_URL?.trim() ?? "";
  if (value && !/^rediss?:\/\/[^/]/.test(value)) {
    throw new ConfigError("REDIS_URL", "must start with redis:// or rediss://");
  }
  return value;
}

function parseCorsOrigins(source: Source): string[] {
  const value = source.CORS_ALLOW_ORIGIN?.trim() || "*";
  const origins = value.split(";").map((o) => o.trim()).filter(Boolean);
  for (const origin of origins) {
    if (origin !== "*" && !/^https?:\/\/[^/]+$/.test(origin.replace(/\/$/, ""))) {
      throw new ConfigError("CORS_ALLOW_ORIGIN", `"${origin}" is not an http(s) origin`);
    }
  }
  return origins.map((o) => o.replace(/\/$/, ""));
}
