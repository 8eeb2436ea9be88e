// Sign-in attempts per account: 15 per 3 minutes, shared through Redis when it is configured.
import { describe, expect, test } from "bun:test";
import Redis from "ioredis";
import { SIGNIN_LIMIT, SigninLimiter } from "../../src/auths/rate-limit";
import { startTestApp } from "../support/app";

const redisUrl = process.env.REDIS_URL;

describe("sign-in rate limit", () => {
  test("the 16th attempt within the window answers 429 with a detail", { timeout: 30_000 }, async () => {
    const t = await startTestApp("sqlite");
    const attempt = () => t.request("POST", "/api/v1/auths/signin", { body: { email: "victim@example.com", password: "guess" } });
    for (let i = 0; i < SIGNIN_LIMIT; i++) expect((await attempt()).status).toBe(400);
    const blocked = await attempt();
    expect(blocked.status).toBe(429);
    expect(blocked.body.detail).toBe("API rate limit exceeded");
    // Other accounts are not affected.
    const other = await t.request("POST", "/api/v1/auths/signin", { body: { email: "someone@example.com", password: "guess" } });
    expect(other.status).toBe(400);
    await t.close();
    await t.database.drop();
  });

  test.skipIf(!redisUrl)("instances sharing Redis share the count", async () => {
    const prefix = `owb-test-${crypto.randomUUID()}`;
    const a = new Redis(redisUrl as string);
    const b = new Redis(redisUrl as string);
    const first = new SigninLimiter(a, prefix);
    const second = new SigninLimiter(b, prefix);
    for (let i = 0; i < SIGNIN_LIMIT; i++) expect(await (i % 2 ? first : second).allow("shared@example.com")).toBe(true);
    expect(await first.allow("shared@example.com")).toBe(false);
    expect(await second.allow("shared@example.com")).toBe(false);
    expect(await second.allow("other@example.com")).toBe(true);
    const ttl = await a.ttl(`${prefix}:ratelimit:signin:shared@example.com`);
    expect(ttl).toBeGreaterThan(170);
    await a.del(`${prefix}:ratelimit:signin:shared@example.com`, `${prefix}:ratelimit:signin:other@example.com`);
    a.disconnect();
    b.disconnect();
  });

  test("with Redis unreachable, counting goes on in memory", async () => {
    const down = new Redis("redis://127.0.0.1:1", { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    const limiter = new SigninLimiter(down, "x");
    for (let i = 0; i < SIGNIN_LIMIT; i++) expect(await limiter.allow("m@example.com")).toBe(true);
    expect(await limiter.allow("m@example.com")).toBe(false);
    down.disconnect();
  });
});
