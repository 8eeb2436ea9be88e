// The real frontend's socket: after sign-up it connects to /ws/socket.io with its token, sends
// user-join and gets the acknowledgement; signed in on two instances (two ports, one Redis),
// both pages receive every chat event the server emits for the user, whichever instance emits it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Redis from "ioredis";
import type { Page, WebSocket } from "playwright-core";
import { createLogger } from "../../src/core/logger";
import { startServer, type RunningServer } from "../../src/server";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../support/databases";
import { dismissChangelog, e2eEnabled, frontendDir, openBrowser, step, type BrowserSession, signUpFirstAdmin } from "./support";

const redisUrl = process.env.REDIS_URL ?? "";

/** Socket.IO frames a page receives on its /ws/socket.io WebSocket. */
function watchSocket(page: Page): { frames: string[]; sent: string[]; sockets: WebSocket[] } {
  const watched = { frames: [] as string[], sent: [] as string[], sockets: [] as WebSocket[] };
  page.on("websocket", (ws) => {
    if (!ws.url().includes("/ws/socket.io/")) return;
    watched.sockets.push(ws);
    ws.on("framereceived", (frame) => watched.frames.push(String(frame.payload)));
    ws.on("framesent", (frame) => watched.sent.push(String(frame.payload)));
  });
  return watched;
}

async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await Bun.sleep(50);
  }
}

describe.skipIf(!e2eEnabled || !redisUrl)("the real frontend's socket on two instances", () => {
  let database: TestDatabase;
  let a: RunningServer;
  let b: RunningServer;
  let onA: BrowserSession;
  let onB: BrowserSession;
  const prefix = `owb-e2e-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    database = await createTestDatabase(postgresAvailable ? "postgres" : "sqlite");
    const source = {
      DATA_DIR: database.dataDir,
      DATABASE_URL: database.url,
      WEBUI_SECRET_KEY: "e2e-realtime-secret",
      FRONTEND_BUILD_DIR: frontendDir as string,
      ENABLE_VERSION_UPDATE_CHECK: "false",
      WEBSOCKET_MANAGER: "redis",
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
    };
    const log = createLogger("ERROR");
    a = await startServer({ source, log, port: 0, hostname: "127.0.0.1" });
    b = await startServer({ source, log, port: 0, hostname: "127.0.0.1" });
    onA = await openBrowser(a.url);
    onB = await openBrowser(b.url);
  }, 60_000);

  afterAll(async () => {
    await onA?.close();
    await onB?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.drop();
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  test("connects with its token, joins, stays joined, and both instances' pages get every event", async () => {
    const pageA = onA.page;
    const pageB = onB.page;
    const socketA = watchSocket(pageA);
    const socketB = watchSocket(pageB);

    await step(pageA, "realtime-01-sign-up-on-a", async () => {
      await signUpFirstAdmin(pageA, a.url, "Rita Realtime", "rita@example.com", "rita-secret");
      await dismissChangelog(pageA, { waitMs: 5_000 });
    });
    const token = (await pageA.evaluate(() => localStorage.getItem("token"))) as string;
    const [user] = await a.ctx.db.read.select().from(a.ctx.db.t.user);
    expect(user?.email).toBe("rita@example.com");
    const userId = user?.id as string;

    await step(pageA, "realtime-02-user-join", async () => {
      // The frontend sends `42["user-join",{"auth":{"token":…}}]` (without waiting for an ack).
      await until(() => socketA.sent.some((f) => f.includes('"user-join"') && f.includes(token)));
      await until(() => socketA.frames.some((f) => f.startsWith("40")));
    });
    const activeOn = async (server: RunningServer) => {
      const response = await fetch(`${server.url}/api/v1/users/active`, { headers: { authorization: `Bearer ${token}` } });
      return ((await response.json()) as { user_ids: string[] }).user_ids;
    };
    const eventually = async (check: () => Promise<boolean>) => {
      const end = Date.now() + 10_000;
      while (!(await check())) {
        if (Date.now() > end) throw new Error("timed out");
        await Bun.sleep(50);
      }
    };
    await eventually(async () => (await activeOn(a)).includes(userId));

    await step(pageB, "realtime-03-sign-in-on-b", async () => {
      await pageB.goto(`${b.url}/auth`);
      await pageB.getByPlaceholder("Enter Your Email").fill("rita@example.com");
      await pageB.getByPlaceholder("Enter Your Password").fill("rita-secret");
      await pageB.getByRole("button", { name: "Sign in" }).click();
      await pageB.waitForURL((url) => !url.pathname.startsWith("/auth"), { timeout: 15_000 });
      await dismissChangelog(pageB, { waitMs: 5_000 });
      await until(() => socketB.sent.some((f) => f.includes('"user-join"')));
    });
    // Both sockets are in the shared pool, seen from either instance.
    const redis = new Redis(redisUrl);
    await eventually(async () => JSON.parse((await redis.hget(`${prefix}:user_pool`, userId)) ?? "[]").length === 2);
    redis.disconnect();
    expect(await activeOn(b)).toEqual([userId]);

    // Every event, from either instance, reaches both pages, in order per emitter.
    const events = 20;
    for (let n = 0; n < events; n++) {
      const emitter = n % 2 === 0 ? a : b;
      emitter.ctx.emit.toUser(userId, "chat-events", { chat_id: "e2e-chat", message_id: "e2e-message", data: { type: "chat:message:delta", data: { content: `part ${n}` } } });
    }
    const received = (watched: { frames: string[] }) =>
      watched.frames.filter((f) => f.includes('"chat-events"') && f.includes("e2e-chat")).map((f) => JSON.parse(f.slice(2))[1].data.data.content);
    await until(() => received(socketA).length === events && received(socketB).length === events);
    const expected = Array.from({ length: events }, (_, n) => `part ${n}`);
    const number = (content: string) => Number(content.slice("part ".length));
    for (const seen of [received(socketA), received(socketB)]) {
      expect([...seen].sort()).toEqual([...expected].sort());
      // Each instance's events keep their order.
      const fromA = seen.map(number).filter((n) => n % 2 === 0);
      const fromB = seen.map(number).filter((n) => n % 2 === 1);
      expect(fromA).toEqual([...fromA].sort((x, y) => x - y));
      expect(fromB).toEqual([...fromB].sort((x, y) => x - y));
    }
    // One socket per page, never dropped.
    expect(socketA.sockets.filter((ws) => !ws.isClosed())).toHaveLength(1);
    expect(socketB.sockets.filter((ws) => !ws.isClosed())).toHaveLength(1);
    expect(onA.problems.filter((p) => p.includes("socket"))).toEqual([]);
  }, 120_000);
});
