// OpenAPI tool servers of TOOL_SERVER_CONNECTIONS (utils/tools.py get_tool_servers_data): each
// enabled server's spec is fetched (or read from the connection when spec_type is "json") and
// turned into tool specs. Specs are cached per connection and refreshed in the background like
// the model lists, so a slow or dead tool server never holds up a page: a request waits only the
// first time a server is asked (at most COLD_WAIT_MS) or when the admin saves the connections.
//
// The URLs come from the admin's settings and may be local (a tool server next to this one), as
// for the model connections; they still go through safe-fetch for its scheme check and limits.
import type { AppContext } from "../context";
import { hasAccess } from "../core/access";
import type { Caller } from "../core/caller";
import { safeFetch } from "../core/safe-fetch";
import { catalogFor } from "../models/catalog";
import { isRecord, openapiToToolSpecs, type Json, type ToolSpec } from "./openapi";

const COLD_WAIT_MS = 2_000;

/** One entry of TOOL_SERVER_CONNECTIONS, as stored (any field may be missing or malformed). */
export type ToolServerConnection = Json;

export interface ToolServerData {
  /** info.id, or the connection's index. */
  id: string;
  idx: number;
  url: string;
  openapi: Json;
  info: Json;
  specs: ToolSpec[];
}

export function toolServerConnections(ctx: Pick<AppContext, "config">): ToolServerConnection[] {
  const list = ctx.config.get("TOOL_SERVER_CONNECTIONS");
  return Array.isArray(list) ? list.map((c) => (isRecord(c) ? c : {})) : [];
}

export function connectionConfig(connection: ToolServerConnection): Json {
  return isRecord(connection.config) ? connection.config : {};
}

export function connectionInfo(connection: ToolServerConnection): Json {
  return isRecord(connection.info) ? connection.info : {};
}

export function connectionType(connection: ToolServerConnection): string {
  return typeof connection.type === "string" ? connection.type : "openapi";
}

/** The id a server is named by in tool ids (`server:<id>`). */
export function serverId(connection: ToolServerConnection, idx: number): string {
  const id = connectionInfo(connection).id;
  return id ? String(id) : String(idx);
}

/** The access_control of a server's connection (null = every verified user may use it). */
export function serverAccessControl(ctx: AppContext, server: Pick<ToolServerData, "idx">): unknown {
  return connectionConfig(toolServerConnections(ctx)[server.idx] ?? {}).access_control ?? null;
}

export function mayUseServer(ctx: AppContext, caller: Caller, server: Pick<ToolServerData, "idx">, bypass: boolean): boolean {
  return (caller.role === "admin" && bypass) || hasAccess(caller.id, caller.groupIds, "read", serverAccessControl(ctx, server));
}

/** get_tool_server_url: a path with "://" is a whole URL; otherwise it is appended to the base. */
export function toolServerUrl(url: unknown, path: string): string {
  if (path.includes("://")) return path;
  return `${typeof url === "string" ? url : ""}${path.startsWith("/") ? path : `/${path}`}`;
}

/** AIOHTTP_CLIENT_TIMEOUT_TOOL_SERVER_DATA (10 s; empty = no limit). */
export function specTimeoutMs(raw: Record<string, string | undefined>): number | null {
  const value = raw.AIOHTTP_CLIENT_TIMEOUT_TOOL_SERVER_DATA;
  if (value === undefined) return 10_000;
  if (value.trim() === "") return null;
  const seconds = Number.parseInt(value, 10);
  return Number.isFinite(seconds) ? seconds * 1000 : 10_000;
}

export class ToolServerError extends Error {}

/** get_tool_server_data: the spec at `url` (JSON, or YAML), as an object. */
export async function fetchToolServerSpec(url: string, token: string | null, timeoutMs: number | null): Promise<Json> {
  const headers: Record<string, string> = { Accept: "application/json", "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await safeFetch(url, { allowLocal: true, headers, timeoutMs });
  } catch (error) {
    throw new ToolServerError(error instanceof Error ? error.message : String(error));
  }
  const text = new TextDecoder().decode(response.body);
  if (response.status !== 200) throw new ToolServerError(`HTTP ${response.status}: ${text.slice(0, 200)}`);
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch {
    try {
      spec = Bun.YAML.parse(text);
    } catch {
      throw new ToolServerError("the spec is neither JSON nor YAML");
    }
  }
  if (!isRecord(spec)) throw new ToolServerError("the spec is not an object");
  return spec;
}

/** The spec a connection describes: fetched from its URL, or its own `spec` text; null when it has none. */
async function connectionSpec(connection: ToolServerConnection, timeoutMs: number | null): Promise<Json | null> {
  const specType = connection.spec_type ?? "url";
  if (specType === "url") {
    const path = typeof connection.path === "string" ? connection.path : "openapi.json";
    const authType = connection.auth_type ?? "bearer";
    const token = authType === "bearer" && typeof connection.key === "string" ? connection.key : null;
    return fetchToolServerSpec(toolServerUrl(connection.url, path), token, timeoutMs);
  }
  if (specType === "json" && typeof connection.spec === "string" && connection.spec) {
    try {
      const spec: unknown = JSON.parse(connection.spec);
      return isRecord(spec) ? spec : null;
    } catch {
      return null;
    }
  }
  return null;
}

/** A fetched spec as the server's entry: info.name/description of the connection win over the spec's. */
export function serverData(connection: ToolServerConnection, idx: number, spec: Json): ToolServerData {
  const openapi = spec;
  const specs = openapiToToolSpecs(openapi);
  const info = connectionInfo(connection);
  if (Object.keys(info).length > 0) {
    const specInfo = isRecord(openapi.info) ? openapi.info : {};
    openapi.info = specInfo;
    if ("name" in info) specInfo.title = info.name ?? "Tool Server";
    if ("description" in info) specInfo.description = info.description ?? "";
  }
  return {
    id: serverId(connection, idx),
    idx,
    url: typeof connection.url === "string" ? connection.url : "",
    openapi,
    info: isRecord(openapi.info) ? openapi.info : {},
    specs,
  };
}

interface Entry {
  value: ToolServerData | null;
  /** When the last fetch finished (0 = never). */
  at: number;
  inflight: Promise<void> | null;
  /** A request already waited the cold-start budget for this server: later ones do not. */
  gaveUp: boolean;
}

export class ToolServers {
  private entries = new Map<string, Entry>();
  private readonly timeoutMs: number | null;

  constructor(private readonly ctx: AppContext) {
    this.timeoutMs = specTimeoutMs(ctx.env.raw);
  }

  private ttl(): number {
    return this.ctx.config.get("ENABLE_BASE_MODELS_CACHE") ? Number.POSITIVE_INFINITY : catalogFor(this.ctx).settings.ttlMs;
  }

  /**
   * The enabled OpenAPI servers that answered, in connection order. `force` waits for fresh
   * specs of every server (saving the connections); otherwise cached specs are served.
   */
  async list({ force = false } = {}): Promise<ToolServerData[]> {
    const now = Date.now();
    const ttl = this.ttl();
    const active: Entry[] = [];
    const waits: Promise<void>[] = [];
    const cold: Entry[] = [];
    const keys = new Set<string>();
    toolServerConnections(this.ctx).forEach((connection, idx) => {
      if (!connectionConfig(connection).enable || connectionType(connection) !== "openapi") return;
      const key = `${idx}|${JSON.stringify(connection)}`;
      keys.add(key);
      let entry = this.entries.get(key);
      if (!entry) {
        entry = { value: null, at: 0, inflight: null, gaveUp: false };
        this.entries.set(key, entry);
      }
      if ((force || entry.at === 0 || now - entry.at >= ttl) && !entry.inflight) this.refresh(entry, connection, idx);
      if (entry.inflight && force) waits.push(entry.inflight);
      else if (entry.inflight && entry.at === 0 && !entry.gaveUp) cold.push(entry);
      active.push(entry);
    });
    for (const key of this.entries.keys()) if (!keys.has(key)) this.entries.delete(key);
    if (waits.length) await Promise.all(waits);
    if (cold.length) {
      const arrived = await Promise.race([
        Promise.all(cold.map((e) => e.inflight)).then(() => true),
        Bun.sleep(COLD_WAIT_MS).then(() => false),
      ]);
      if (!arrived) for (const entry of cold) if (entry.at === 0) entry.gaveUp = true;
    }
    return active.flatMap((entry) => (entry.value ? [entry.value] : []));
  }

  private refresh(entry: Entry, connection: ToolServerConnection, idx: number): void {
    entry.inflight = connectionSpec(connection, this.timeoutMs)
      .then((spec) => (spec ? serverData(connection, idx, spec) : null))
      .catch((error) => {
        this.ctx.log.warn(`Failed to connect to ${String(connection.url)} OpenAPI tool server: ${error instanceof Error ? error.message : error}`);
        return null;
      })
      .then((value) => {
        entry.value = value;
        entry.at = Date.now();
        entry.inflight = null;
      });
  }
}

const instances = new WeakMap<AppContext, ToolServers>();

export function toolServersFor(ctx: AppContext): ToolServers {
  let servers = instances.get(ctx);
  if (!servers) {
    servers = new ToolServers(ctx);
    instances.set(ctx, servers);
  }
  return servers;
}
