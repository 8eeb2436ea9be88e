// The realtime layer's own environment variables, with Open WebUI's names and defaults.
import { ConfigError, parseBool, type Env } from "../core/env";

export interface RealtimeSettings {
  /** ENABLE_WEBSOCKET_SUPPORT: what the frontend is told to use (websocket, or polling first). */
  enableWebsocket: boolean;
  /** WEBSOCKET_MANAGER=redis: sockets, rooms and pools are shared by every instance through Redis. */
  shared: boolean;
  /** Redis for the Socket.IO adapter and the pools (WEBSOCKET_REDIS_URL, default REDIS_URL). */
  socketRedisUrl: string;
  /** Redis for the task registry and config mirroring (REDIS_URL, else the websocket one). */
  stateRedisUrl: string;
  keyPrefix: string;
}

export function readRealtimeSettings(env: Env): RealtimeSettings {
  const raw = env.raw;
  const shared = env.websocketManager === "redis";
  const socketRedisUrl = (raw.WEBSOCKET_REDIS_URL?.trim() || env.redisUrl).trim();
  if (shared && !socketRedisUrl) {
    throw new ConfigError("WEBSOCKET_MANAGER", "is redis, but neither WEBSOCKET_REDIS_URL nor REDIS_URL is set");
  }
  if (socketRedisUrl && !/^rediss?:\/\/[^/]/.test(socketRedisUrl)) {
    throw new ConfigError("WEBSOCKET_REDIS_URL", "must start with redis:// or rediss://");
  }
  return {
    enableWebsocket: parseBool(raw, "ENABLE_WEBSOCKET_SUPPORT", true),
    shared,
    socketRedisUrl: shared ? socketRedisUrl : "",
    stateRedisUrl: env.redisUrl || (shared ? socketRedisUrl : ""),
    keyPrefix: env.redisKeyPrefix,
  };
}
