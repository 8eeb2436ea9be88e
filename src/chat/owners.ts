// Who started each running chat task, so that only they can stop or list it. Kept in memory,
// and in Redis when it is configured so any instance can answer for a task another one runs.
import type { AppContext } from "../context";

const TTL_SECONDS = 24 * 60 * 60;

export class TaskOwners {
  private local = new Map<string, string>();
  private readonly key: string;

  constructor(private readonly ctx: AppContext) {
    this.key = `${ctx.env.redisKeyPrefix}:tasks:user`;
  }

  async set(taskId: string, userId: string): Promise<void> {
    this.local.set(taskId, userId);
    await this.ctx.redis?.pipeline().hset(this.key, taskId, userId).expire(this.key, TTL_SECONDS).exec().catch(() => {});
  }

  async delete(taskId: string): Promise<void> {
    this.local.delete(taskId);
    await this.ctx.redis?.hdel(this.key, taskId).catch(() => {});
  }

  async ownerOf(taskId: string): Promise<string | undefined> {
    const known = this.local.get(taskId);
    if (known !== undefined || !this.ctx.redis) return known;
    return (await this.ctx.redis.hget(this.key, taskId).catch(() => null)) ?? undefined;
  }

  /** The task ids among `ids` that `userId` started. */
  async ownedBy(userId: string, ids: string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    if (!this.ctx.redis) return ids.filter((id) => this.local.get(id) === userId);
    const owners = await this.ctx.redis.hmget(this.key, ...ids).catch(() => ids.map((id) => this.local.get(id) ?? null));
    return ids.filter((id, i) => (owners[i] ?? this.local.get(id)) === userId);
  }
}

const registries = new WeakMap<AppContext, TaskOwners>();

export function taskOwners(ctx: AppContext): TaskOwners {
  let owners = registries.get(ctx);
  if (!owners) {
    owners = new TaskOwners(ctx);
    registries.set(ctx, owners);
  }
  return owners;
}
