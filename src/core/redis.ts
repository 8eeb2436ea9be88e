// One shared Redis connection when REDIS_URL is set. Commands fail fast while Redis is away
// (callers fall back or report), and the client reconnects by itself when it comes back.
import type Redis from "ioredis";
import type { Logger } from "./logger";

export async function connectRedis(url: string, log: Logger): Promise<Redis> {
  // Loaded only when Redis is configured: importing ioredis alone adds about 9 MB of idle RSS.
  const { default: RedisClient } = await import("ioredis");
  const client = new RedisClient(url, {
    lazyConnect: false,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
  });
  let down = false;
  client.on("error", (error) => {
    if (down) return;
    down = true;
    log.warn(`Redis unreachable (${error.message}); retrying in the background`);
  });
  client.on("ready", () => {
    if (down) log.info("Redis reachable again");
    down = false;
  });
  return client;
}
