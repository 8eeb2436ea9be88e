// The running-task registry (`ctx.tasks`): generation tasks by id, with the chat they belong to,
// so that the UI can list them and stop them. With Redis the registry uses Open WebUI's layout
// (`{prefix}:tasks` hash task id → chat id, `{prefix}:tasks:item:{chat id}` sets) and a stop
// is published on `{prefix}:tasks:commands` so the instance running the task stops it.
// Each instance also records which tasks it runs (`{prefix}:tasks:owner`) and keeps a heartbeat
// key alive, so the tasks of an instance that died are dropped instead of showing as running.
import type { Logger } from "../core/logger";
import type { RedisLink } from "./redis";

export interface TaskInfo {
  chatId?: string;
  userId: string;
}

export interface TaskRegistry {
  add(taskId: string, info: TaskInfo, stop: () => void): Promise<void>;
  remove(taskId: string): Promise<void>;
  /** True when the task was running here or is registered by another instance (which is told to stop it). */
  stop(taskId: string): Promise<boolean>;
  list(): Promise<string[]>;
  listForChat(chatId: string): Promise<string[]>;
}

interface LocalTask extends TaskInfo {
  stop: () => void;
}

export class LocalTasks implements TaskRegistry {
  readonly running = new Map<string, LocalTask>();

  constructor(protected readonly log: Logger) {}

  async add(taskId: string, info: TaskInfo, stop: () => void): Promise<void> {
    this.running.set(taskId, { ...info, stop });
  }

  async remove(taskId: string): Promise<void> {
    this.running.delete(taskId);
  }

  async stop(taskId: string): Promise<boolean> {
    return this.stopLocal(taskId);
  }

  async list(): Promise<string[]> {
    return [...this.running.keys()];
  }

  async listForChat(chatId: string): Promise<string[]> {
    return [...this.running].filter(([, task]) => task.chatId === chatId).map(([id]) => id);
  }

  protected stopLocal(taskId: string): boolean {
    const task = this.running.get(taskId);
    if (!task) return false;
    this.running.delete(taskId);
    try {
      task.stop();
    } catch (error) {
      this.log.warn(`stopping task ${taskId} failed`, error);
    }
    return true;
  }
}

const HEARTBEAT_S = 30;

export class RedisTasks extends LocalTasks {
  private readonly hashKey: string;
  private readonly itemPrefix: string;
  private readonly channel: string;
  private readonly ownerKey: string;
  private readonly instanceId = crypto.randomUUID();
  private readonly heartbeatPrefix: string;
  private readonly heartbeat: ReturnType<typeof setInterval>;

  constructor(
    private readonly link: RedisLink,
    prefix: string,
    log: Logger,
  ) {
    super(log);
    this.hashKey = `${prefix}:tasks`;
    this.itemPrefix = `${prefix}:tasks:item`;
    this.channel = `${prefix}:tasks:commands`;
    this.ownerKey = `${prefix}:tasks:owner`;
    this.heartbeatPrefix = `${prefix}:tasks:instance`;
    this.heartbeat = setInterval(() => void this.beat(), (HEARTBEAT_S / 3) * 1000);
    this.heartbeat.unref();
    link.subscriber.subscribe(this.channel).catch((error) => log.debug(`redis: subscribe failed: ${error.message}`));
    link.subscriber.on("message", (channel: string, message: string) => {
      if (channel === this.channel) this.onCommand(message);
    });
    link.onReady(() => void this.restore());
  }

  /** Drops the registered tasks of instances whose heartbeat has expired. */
  async sweep(): Promise<void> {
    const owners = await this.link.command.hgetall(this.ownerKey);
    const byInstance = new Map<string, string[]>();
    for (const [taskId, instance] of Object.entries(owners)) {
      if (instance !== this.instanceId) byInstance.set(instance, [...(byInstance.get(instance) ?? []), taskId]);
    }
    for (const [instance, taskIds] of byInstance) {
      if ((await this.link.command.exists(`${this.heartbeatPrefix}:${instance}`)) === 1) continue;
      for (const taskId of taskIds) {
        const chatId = (await this.link.command.hget(this.hashKey, taskId)) || undefined;
        await this.forget(taskId, chatId);
      }
      this.log.info(`dropped ${taskIds.length} task(s) of a stopped instance from the registry`);
    }
  }

  /** Stops the heartbeat; the tasks still registered here then count as abandoned. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.link.command.del(`${this.heartbeatPrefix}:${this.instanceId}`).catch(() => {});
  }

  private async beat(): Promise<void> {
    if (!this.link.isUp) return;
    await this.link.command
      .set(`${this.heartbeatPrefix}:${this.instanceId}`, "1", "EX", HEARTBEAT_S)
      .catch((error) => this.failed("renew the heartbeat", error));
  }

  override async add(taskId: string, info: TaskInfo, stop: () => void): Promise<void> {
    await super.add(taskId, info, stop);
    await this.save(taskId, info.chatId).catch((error) => this.failed("register a task", error));
  }

  override async remove(taskId: string): Promise<void> {
    const chatId = this.running.get(taskId)?.chatId;
    await super.remove(taskId);
    await this.forget(taskId, chatId).catch((error) => this.failed("unregister a task", error));
  }

  override async stop(taskId: string): Promise<boolean> {
    const chatId = this.running.get(taskId)?.chatId;
    if (this.stopLocal(taskId)) {
      await this.forget(taskId, chatId).catch((error) => this.failed("unregister a task", error));
      return true;
    }
    try {
      const known = (await this.link.command.hexists(this.hashKey, taskId)) === 1;
      await this.link.command.publish(this.channel, JSON.stringify({ action: "stop", task_id: taskId }));
      return known;
    } catch (error) {
      this.failed("send a stop command", error);
      return false;
    }
  }

  override async list(): Promise<string[]> {
    try {
      return await this.link.command.hkeys(this.hashKey);
    } catch {
      return super.list();
    }
  }

  override async listForChat(chatId: string): Promise<string[]> {
    try {
      return await this.link.command.smembers(`${this.itemPrefix}:${chatId}`);
    } catch {
      return super.listForChat(chatId);
    }
  }

  private onCommand(message: string): void {
    try {
      const command = JSON.parse(message);
      if (command?.action === "stop" && typeof command.task_id === "string") {
        const chatId = this.running.get(command.task_id)?.chatId;
        if (this.stopLocal(command.task_id)) {
          this.forget(command.task_id, chatId).catch((error) => this.failed("unregister a task", error));
        }
      }
    } catch {
      this.log.debug("redis: ignored a malformed task command");
    }
  }

  private async save(taskId: string, chatId: string | undefined): Promise<void> {
    const pipeline = this.link.command
      .multi()
      .hset(this.hashKey, taskId, chatId ?? "")
      .hset(this.ownerKey, taskId, this.instanceId)
      .set(`${this.heartbeatPrefix}:${this.instanceId}`, "1", "EX", HEARTBEAT_S);
    if (chatId) pipeline.sadd(`${this.itemPrefix}:${chatId}`, taskId);
    await pipeline.exec();
  }

  private async forget(taskId: string, chatId: string | undefined): Promise<void> {
    const pipeline = this.link.command.multi().hdel(this.hashKey, taskId).hdel(this.ownerKey, taskId);
    if (chatId) pipeline.srem(`${this.itemPrefix}:${chatId}`, taskId);
    await pipeline.exec();
  }

  /** After (re)connecting, the tasks running here are registered again (Redis may have restarted). */
  private async restore(): Promise<void> {
    try {
      await this.beat();
      for (const [taskId, task] of [...this.running]) await this.save(taskId, task.chatId);
    } catch (error) {
      this.failed("restore the task registry", error);
    }
  }

  private failed(what: string, error: unknown): void {
    this.log.debug(`redis: could not ${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
