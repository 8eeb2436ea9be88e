// Connections to one Redis server, shared by everything realtime keeps there. Redis may go away
// at any time: commands then fail fast (callers fall back to what this instance knows), the
// outage is logged once, and every `onReady` listener runs again when the server is back so it
// can put this instance's state back.
import type Redis from "ioredis";
import type { RedisOptions } from "ioredis";
import type { Logger } from "../core/logger";

type RedisClient = typeof import("ioredis").default;

const RETRY_MAX_MS = 2_000;
const FIRST_CONNECT_WAIT_MS = 3_000;

export class RedisLink {
  /** Commands; fails at once while disconnected instead of queueing. */
  readonly command: Redis;
  /** Publishing for the Socket.IO adapter; failures are dropped (delivery is best effort). */
  readonly publisher: Redis;
  /** Subscriptions for the Socket.IO adapter; re-subscribes by itself after a reconnect. */
  readonly adapterSubscriber: Redis;
  /** Subscriptions for our own channels (task commands, config changes). */
  readonly subscriber: Redis;

  private up = false;
  private closed = false;
  private downLogged = false;
  private readonly quiet: boolean;
  private readyListeners: (() => void)[] = [];

  /** With `command`, an existing connection is used for commands and its owner logs outages. */
  constructor(
    readonly url: string,
    private readonly log: Logger,
    Client: RedisClient,
    command?: Redis,
  ) {
    const base: RedisOptions = {
      retryStrategy: (times) => Math.min(times * 200, RETRY_MAX_MS),
      connectTimeout: 5_000,
      enableReadyCheck: true,
    };
    const failFast: RedisOptions = { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 1 };
    const patient: RedisOptions = { ...base, enableOfflineQueue: true, maxRetriesPerRequest: null };
    this.command = command ?? new Client(url, { ...failFast, connectionName: "owb-command" });
    this.quiet = Boolean(command);
    this.up = this.command.status === "ready";
    this.publisher = quietPublisher(new Client(url, { ...failFast, connectionName: "owb-publish" }));
    this.adapterSubscriber = new Client(url, { ...patient, connectionName: "owb-adapter-sub" });
    this.subscriber = new Client(url, { ...patient, connectionName: "owb-sub" });
    for (const client of [this.publisher, this.adapterSubscriber, this.subscriber]) {
      client.on("error", (error) => this.log.debug(`redis: ${error.message}`));
    }
    this.command.on("error", (error) => this.markDown(error));
    this.command.on("close", () => this.markDown());
    this.command.on("ready", () => this.markUp());
  }

  get isUp(): boolean {
    return this.up;
  }

  /** Waits a little for the first connection; the instance starts either way. */
  async connect(): Promise<void> {
    if (this.up) return;
    const ready = new Promise<boolean>((resolve) => {
      this.command.once("ready", () => resolve(true));
      setTimeout(() => resolve(false), FIRST_CONNECT_WAIT_MS).unref();
    });
    if (!(await ready) && !this.up) this.markDown(new Error("no answer at start"));
  }

  /** Runs `listener` now if connected, and after every reconnection. */
  onReady(listener: () => void): void {
    this.readyListeners.push(listener);
    if (this.up) listener();
  }

  async close(): Promise<void> {
    this.closed = true;
    const own = this.quiet ? [] : [this.command];
    for (const client of [...own, this.publisher, this.adapterSubscriber, this.subscriber]) client.disconnect();
  }

  private markDown(error?: Error): void {
    const wasUp = this.up;
    this.up = false;
    if (this.closed || this.downLogged || this.quiet) return;
    if (wasUp || error) {
      this.downLogged = true;
      const reason = error ? `: ${error.message}` : "";
      this.log.warn(`Redis at ${redact(this.url)} is unreachable${reason}; realtime runs on this instance only until it is back`);
    }
  }

  private markUp(): void {
    if (this.downLogged) this.log.info(`Redis at ${redact(this.url)} is reachable again`);
    this.downLogged = false;
    this.up = true;
    for (const listener of this.readyListeners) {
      try {
        listener();
      } catch (error) {
        this.log.error("redis: reconnection handler failed", error);
      }
    }
  }
}

/** The adapter publishes without handling failures; a dropped publish must not crash the process. */
function quietPublisher(client: Redis): Redis {
  const publish = client.publish.bind(client) as (channel: string | Buffer, message: string | Buffer) => Promise<number>;
  (client as { publish: unknown }).publish = (channel: string | Buffer, message: string | Buffer) =>
    publish(channel, message).catch(() => 0);
  return client;
}

export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(invalid url)";
  }
}

/** Keeps one link per URL: the socket and state Redis are usually the same server. */
export class RedisLinks {
  private links = new Map<string, RedisLink>();

  /** `shared`: the application's connection to REDIS_URL, reused for commands on that server. */
  constructor(
    private readonly log: Logger,
    private readonly shared?: { url: string; client: Redis },
  ) {}

  async get(url: string): Promise<RedisLink> {
    let link = this.links.get(url);
    if (!link) {
      // Loaded only when Redis is configured (see core/redis.ts).
      const { default: Client } = await import("ioredis");
      link = this.links.get(url) ?? new RedisLink(url, this.log, Client, this.shared?.url === url ? this.shared.client : undefined);
      this.links.set(url, link);
    }
    return link;
  }

  async connect(): Promise<void> {
    await Promise.all([...this.links.values()].map((link) => link.connect()));
  }

  async close(): Promise<void> {
    await Promise.all([...this.links.values()].map((link) => link.close()));
  }
}
