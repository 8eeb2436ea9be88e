// Settings saved on one instance reach the others: each save is written to `{prefix}:config:{KEY}`
// (as Open WebUI does) and announced on `{prefix}:config:changes`; the other instances apply it
// without writing it again. After a reconnection the keys are read back, so a change announced
// while this instance could not hear it is still picked up.
import { REGISTRY, type AppConfig, type ConfigKey, type ConfigValues } from "../core/config";
import type { Logger } from "../core/logger";
import type { RedisLink } from "./redis";

export class ConfigSync {
  private readonly channel: string;
  private readonly instanceId = crypto.randomUUID();
  private applyingRemote = false;
  private connectedOnce = false;
  /** Saves made while Redis was away, announced once it is back. */
  private unsent: Record<string, unknown> = {};

  constructor(
    private readonly link: RedisLink,
    private readonly prefix: string,
    private readonly config: AppConfig,
    private readonly log: Logger,
  ) {
    this.channel = `${prefix}:config:changes`;
    config.onChange((changed) => {
      if (!this.applyingRemote) void this.publish(changed);
    });
    link.subscriber.subscribe(this.channel).catch((error) => log.debug(`redis: subscribe failed: ${error.message}`));
    link.subscriber.on("message", (channel: string, message: string) => {
      if (channel === this.channel) this.onMessage(message);
    });
    link.onReady(() => {
      // The first connection comes right after the database was read; later ones may have missed changes.
      if (this.connectedOnce) void this.catchUp();
      this.connectedOnce = true;
      if (Object.keys(this.unsent).length > 0) void this.publish(this.unsent);
    });
  }

  private async publish(changed: Record<string, unknown>): Promise<void> {
    const entries = Object.entries(changed).filter(([key]) => key in REGISTRY);
    if (entries.length === 0) return;
    for (const [key] of entries) delete this.unsent[key];
    try {
      const pipeline = this.link.command.multi();
      for (const [key, value] of entries) pipeline.set(this.key(key), JSON.stringify(value ?? null));
      pipeline.publish(this.channel, JSON.stringify({ origin: this.instanceId, changes: Object.fromEntries(entries) }));
      await pipeline.exec();
    } catch (error) {
      this.unsent = { ...Object.fromEntries(entries), ...this.unsent };
      this.log.warn(`settings change not yet shared with other instances (sent when Redis is back): ${error instanceof Error ? error.message : error}`);
    }
  }

  private onMessage(message: string): void {
    let parsed: { origin?: unknown; changes?: unknown };
    try {
      parsed = JSON.parse(message);
    } catch {
      return;
    }
    if (parsed.origin === this.instanceId || typeof parsed.changes !== "object" || parsed.changes === null) return;
    this.applyRemote(parsed.changes as Record<string, unknown>);
  }

  private async catchUp(): Promise<void> {
    const keys = Object.keys(REGISTRY) as ConfigKey[];
    try {
      const values = await this.link.command.mget(keys.map((key) => this.key(key)));
      const changes: Record<string, unknown> = {};
      keys.forEach((key, index) => {
        const raw = values[index];
        if (raw == null) return;
        try {
          const value = JSON.parse(raw);
          if (JSON.stringify(value) !== JSON.stringify(this.config.get(key))) changes[key] = value;
        } catch {}
      });
      this.applyRemote(changes);
    } catch (error) {
      this.log.debug(`redis: could not read shared settings: ${error instanceof Error ? error.message : error}`);
    }
  }

  private applyRemote(changes: Record<string, unknown>): void {
    const known = Object.fromEntries(Object.entries(changes).filter(([key]) => key in REGISTRY));
    if (Object.keys(known).length === 0) return;
    this.applyingRemote = true;
    try {
      this.config.apply(known as Partial<ConfigValues>);
    } catch (error) {
      this.log.error("applying a settings change from another instance failed", error);
    } finally {
      this.applyingRemote = false;
    }
  }

  private key(name: string): string {
    return `${this.prefix}:config:${name}`;
  }
}
