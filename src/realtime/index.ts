// The realtime layer: Socket.IO (on Bun's WebSocket through @socket.io/bun-engine) at
// /ws/socket.io, the pools, the emitter and the task registry. Alone it works in memory; with
// WEBSOCKET_MANAGER=redis every instance shares sockets, rooms and pools through Redis, and with
// REDIS_URL the task registry and saved settings are shared too.
import { Server as Engine } from "@socket.io/bun-engine";
import type { Server as BunServer, WebSocketHandler } from "bun";
import type Redis from "ioredis";
import { Server } from "socket.io";
import type { AppConfig } from "../core/config";
import type { Env } from "../core/env";
import type { Logger } from "../core/logger";
import type { Authenticator } from "../core/auth";
import type { Db } from "../db/client";
import type { UserRow } from "../users/repository";
import { ConfigSync } from "./config-sync";
import { SocketEmitter, type Emitter } from "./emitter";
import { LocalPools, RedisPools, USAGE_TIMEOUT_S, type Pools, type UsagePools } from "./pools";
import { RedisLinks, type RedisLink } from "./redis";
import { readRealtimeSettings, type RealtimeSettings } from "./settings";
import { installHandlers } from "./socket";
import { LocalTasks, RedisTasks, type TaskRegistry } from "./tasks";
import { MemoryYdocStore, RedisYdocStore } from "./ydoc";

export type { Emitter } from "./emitter";
export type { TaskRegistry } from "./tasks";
export type { UsagePools } from "./pools";

export const SOCKET_PATH = "/ws/socket.io";
const SWEEP_INTERVAL_MS = 60_000;
const SHUTDOWN_WAIT_MS = 3_000;

// The bun-engine keeps its per-connection state in `ws.data`.
export type SocketData = Parameters<Engine["onWebSocketOpen"]>[0]["data"];
export type BunServerWithSockets = BunServer<SocketData>;

export interface Realtime {
  settings: RealtimeSettings;
  emit: Emitter;
  tasks: TaskRegistry;
  usage: UsagePools;
  /** Answers a request whose path is /ws/socket.io (polling, or the WebSocket upgrade). */
  handle(request: Request, server: BunServerWithSockets): Response | Promise<Response>;
  websocket: WebSocketHandler<SocketData>;
  /** Removes what stopped instances left in Redis: sockets in the pools, registered tasks (every minute). */
  sweep(): Promise<void>;
  /** Closes every socket, waits for their cleanup, then closes the Redis connections. */
  close(): Promise<void>;
}

export interface RealtimeDeps {
  env: Env;
  /** The application's connection to REDIS_URL, when set. */
  redis?: Redis;
  log: Logger;
  db: Db;
  config: AppConfig;
  auth: Authenticator;
}

export async function createRealtime(deps: RealtimeDeps): Promise<Realtime> {
  const { env, log } = deps;
  const settings = readRealtimeSettings(env);
  const links = new RedisLinks(log, deps.redis ? { url: env.redisUrl, client: deps.redis } : undefined);
  const socketLink = settings.shared ? await links.get(settings.socketRedisUrl) : null;
  const stateLink = settings.stateRedisUrl ? await links.get(settings.stateRedisUrl) : null;

  const engine = new Engine({
    path: `${SOCKET_PATH}/`,
    pingInterval: 25_000,
    pingTimeout: 20_000,
    maxHttpBufferSize: 1_000_000,
    cors: corsOptions(env),
  });
  const io = new Server({
    serveClient: false,
    adapter: socketLink ? await redisAdapter(socketLink, settings.keyPrefix) : undefined,
  });
  io.bind(engine);

  const local = new LocalPools();
  const pools: Pools = socketLink ? new RedisPools(socketLink, settings.keyPrefix, local, log) : local;
  const redisTasks = stateLink ? new RedisTasks(stateLink, settings.keyPrefix, log) : null;
  const tasks: TaskRegistry = redisTasks ?? new LocalTasks(log);
  if (stateLink) new ConfigSync(stateLink, settings.keyPrefix, deps.config, log);
  const emitter = new SocketEmitter(io, Boolean(socketLink), log);

  const pending = new Set<Promise<unknown>>();
  installHandlers(io, {
    db: deps.db,
    log,
    pools,
    ydocs: socketLink ? new RedisYdocStore(socketLink, settings.keyPrefix) : new MemoryYdocStore(),
    identify: (token) => identify(deps.auth, token),
    track: (work) => {
      pending.add(work);
      void work.finally(() => pending.delete(work));
    },
    clientEvent: (event, payload, socket) => {
      const userId = (socket.data as { user?: { id: string } }).user?.id;
      if (userId) emitter.fromSocket(event, payload, socket, userId);
    },
  });

  /** Removes what instances that stopped without cleaning up left in Redis (sockets, tasks). */
  const sweep = async () => {
    if (socketLink?.isUp) await sweepPools(io, pools);
    if (stateLink?.isUp) await redisTasks?.sweep();
  };
  const timers = [
    setInterval(() => void pools.expireUsage().catch(() => {}), USAGE_TIMEOUT_S * 1000),
    ...(socketLink || stateLink
      ? [setInterval(() => void sweep().catch((error) => log.debug(`redis sweep skipped: ${error.message}`)), SWEEP_INTERVAL_MS)]
      : []),
  ];
  for (const timer of timers) timer.unref();

  await links.connect();

  const { websocket } = engine.handler();
  let closing: Promise<void> | undefined;
  return {
    settings,
    emit: emitter,
    tasks,
    usage: pools,
    sweep,
    handle: (request, server) => rejectBadUpgrade(request) ?? engine.handleRequest(request, server),
    websocket: { ...websocket, idleTimeout: 120 } as WebSocketHandler<SocketData>,
    close: () =>
      (closing ??= (async () => {
        for (const timer of timers) clearInterval(timer);
        await withTimeout(io.close(), SHUTDOWN_WAIT_MS);
        await withTimeout(Promise.allSettled([...pending]), SHUTDOWN_WAIT_MS);
        await withTimeout(redisTasks?.close() ?? Promise.resolve(), SHUTDOWN_WAIT_MS);
        await links.close();
      })()),
  };
}

/** Socket.IO's adapter over Redis; its library is loaded only when sockets are shared. */
async function redisAdapter(link: RedisLink, keyPrefix: string) {
  const { createAdapter } = await import("@socket.io/redis-adapter");
  return createAdapter(link.publisher, link.adapterSubscriber, { key: `${keyPrefix}:socket.io` });
}

/** The user a socket token belongs to, through the one auth path. API keys are not accepted here. */
async function identify(auth: Authenticator, token: unknown): Promise<UserRow | null> {
  if (typeof token !== "string" || token.length === 0 || token.length > 8192 || token.startsWith("sk-")) return null;
  const request = new Request(`http://realtime.internal${SOCKET_PATH}/`, { headers: { authorization: `Bearer ${token}` } });
  try {
    return await auth.authenticate(request, "any", { recordActivity: false });
  } catch {
    return null;
  }
}

/** A `transport=websocket` request without the upgrade headers (Open WebUI answers 400). */
function rejectBadUpgrade(request: Request): Response | null {
  if (!request.url.includes("transport=websocket")) return null;
  const upgrade = (request.headers.get("upgrade") ?? "").toLowerCase();
  const connection = (request.headers.get("connection") ?? "").toLowerCase().split(",").map((p) => p.trim());
  if (upgrade === "websocket" && connection.includes("upgrade")) return null;
  return Response.json({ detail: "Invalid WebSocket upgrade request" }, { status: 400 });
}

/** The same origins as the HTTP API (CORS_ALLOW_ORIGIN). */
function corsOptions(env: Env) {
  const any = env.corsAllowOrigins.includes("*");
  return { origin: any ? "*" : env.corsAllowOrigins, credentials: !any };
}

async function sweepPools(io: Server, pools: Pools): Promise<void> {
  const adapter = io.of("/").adapter as unknown as { allRooms(): Promise<Set<string>> };
  const rooms = await adapter.allRooms();
  await pools.sweep(new Set(rooms));
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
