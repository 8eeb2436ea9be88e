// Sign-in attempts per account: at most 15 in 3 minutes. Counted in Redis when it is configured
// (so every instance shares the count), in memory otherwise or while Redis is unreachable.
import type Redis from "ioredis";

export const SIGNIN_LIMIT = 15;
export const SIGNIN_WINDOW_SECONDS = 180;

export class SigninLimiter {
  private local = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly redis: Redis | undefined,
    private readonly keyPrefix: string,
  ) {}

  /** Counts one attempt; true while the account is within its limit. */
  async allow(email: string): Promise<boolean> {
    if (this.redis) {
      try {
        const key = `${this.keyPrefix}:ratelimit:signin:${email}`;
        const count = await this.redis.incr(key);
        if (count === 1) await this.redis.expire(key, SIGNIN_WINDOW_SECONDS);
        return count <= SIGNIN_LIMIT;
      } catch {
        // Redis is away: count here until it is back.
      }
    }
    return this.allowLocally(email);
  }

  private allowLocally(email: string): boolean {
    const now = Date.now();
    if (this.local.size > 100_000) this.local.clear();
    const entry = this.local.get(email);
    if (!entry || entry.resetAt <= now) {
      this.local.set(email, { count: 1, resetAt: now + SIGNIN_WINDOW_SECONDS * 1000 });
      return true;
    }
    entry.count += 1;
    return entry.count <= SIGNIN_LIMIT;
  }
}
