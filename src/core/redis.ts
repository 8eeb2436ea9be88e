// One shared Redis connection when REDIS_URL is set. Commands fail fast while Redis is away
// (callers fall back or report), and the client reconnects by itself when it comes back.
import Redis from "ioredis";
import type { Logger } from "./logger";

export function connectRedis(url: string, log: Logger): Redis {
  const client = new Redis(url, {
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
