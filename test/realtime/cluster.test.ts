// Two instances sharing one database and Redis (WEBSOCKET_MANAGER=redis) act as one: events,
// pools, tasks, settings. Then a Redis outage: HTTP keeps working and realtime recovers.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Redis from "ioredis";
import type { Socket } from "socket.io-client";
import { createTestDatabase, postgresAvailable, type TestDatabase } from "../support/databases";
import { insertUser } from "../support/users";
import {
  chatEvent,
  collect,
  connect,
  eventually,
  join,
  next,
  recordingLogger,
  redisUrl,
  startInstance,
  startRelay,
  uniquePrefix,
  type Instance,
} from "./helpers";

const sharedEnv = (prefix: string, redis = redisUrl) => ({
  WEBSOCKET_MANAGER: "redis",
  REDIS_URL: redis,
  REDIS_KEY_PREFIX: prefix,
});

describe.skipIf(!redisUrl)("two instances through Redis", () => {
  let database: TestDatabase;
  let a: Instance;
  let b: Instance;
  let redis: Redis;
  let prefix: string;
  let alice: Awaited<ReturnType<typeof insertUser>>;
  let bob: Awaited<ReturnType<typeof insertUser>>;
  const sockets: Socket[] = [];
  const open = async (instance: Instance, userId: string) => {
    const token = instance.tokenFor(userId);
    const socket = await connect(instance.url, token);
    sockets.push(socket);
    await join(socket, token);
    return socket;
  };

  beforeAll(async () => {
    database = await createTestDatabase(postgresAvailable ? "postgres" : "sqlite");
    prefix = uniquePrefix();
    a = await startInstance(database, sharedEnv(prefix));
    b = await startInstance(database, sharedEnv(prefix));
    redis = new Redis(redisUrl);
    alice = await insertUser(a.ctx, { role: "user", name: "Alice" });
    bob = await insertUser(a.ctx, { role: "user", name: "Bob" });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await Promise.all([a.stop(), b.stop()]);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await database.drop();
  });

  test("a user connected to B receives what A emits for it, and the same user on both gets every event", async () => {
    const onB = await open(b, alice.id);
    const onA = await open(a, alice.id);
    const count = 100;
    const collectAll = (socket: Socket) =>
      new Promise<number[]>((resolve) => {
        const seen: number[] = [];
        socket.on("chat-events", (event: any) => {
          if (event.chat_id !== "ordered") return;
          seen.push(event.data.data.n);
          if (seen.length === count) resolve(seen);
        });
      });
    const both = Promise.all([collectAll(onA), collectAll(onB)]);
    for (let n = 0; n < count; n++) (n % 2 ? a : b).ctx.emit.toUser(alice.id, "chat-events", chatEvent("ordered", "chat:completion", { n }));
    const [seenOnA, seenOnB] = await both;
    const expected = Array.from({ length: count }, (_, n) => n);
    expect(seenOnA.sort((x, y) => x - y)).toEqual(expected);
    expect(seenOnB.sort((x, y) => x - y)).toEqual(expected);

    const sessionEvent = next(onB, "status");
    a.ctx.emit.toSession(onB.id as string, "status", { where: "B" });
    expect(await sessionEvent).toEqual({ where: "B" });
  });

  test("/api/usage and the active routes on either instance see the sockets of both", async () => {
    const aliceOnA = await open(a, alice.id);
    const bobOnB = await open(b, bob.id);
    aliceOnA.emit("usage", { action: "chat", model: "model-on-a", chat_id: "c" });
    bobOnB.emit("usage", { action: "chat", model: "model-on-b", chat_id: "c" });
    const token = a.tokenFor(alice.id);
    for (const instance of [a, b]) {
      await eventually(async () => (await instance.get("/api/usage", token)).body.model_ids.length >= 2);
      const usage = (await instance.get("/api/usage", token)).body;
      expect(usage.model_ids.sort()).toEqual(["model-on-a", "model-on-b"]);
      expect(usage.user_ids).toEqual(expect.arrayContaining([alice.id, bob.id]));
      expect((await instance.get("/api/v1/users/active", token)).body.user_ids).toEqual(expect.arrayContaining([alice.id, bob.id]));
      expect((await instance.get(`/api/v1/users/${bob.id}/active`, token)).body).toEqual({ active: true });
    }
    expect(await a.ctx.usage.sessionUserId(bobOnB.id as string)).toBe(bob.id);

    // Open WebUI's keys and layout.
    expect(JSON.parse((await redis.hget(`${prefix}:user_pool`, bob.id)) as string)).toContain(bobOnB.id);
    expect(JSON.parse((await redis.hget(`${prefix}:session_pool`, bobOnB.id as string)) as string)).toMatchObject({ id: bob.id, name: "Bob" });
    const usage = JSON.parse((await redis.hget(`${prefix}:usage_pool`, "model-on-b")) as string);
    expect(usage[bobOnB.id as string].updated_at).toBeNumber();

    for (const socket of sockets.filter((s) => s.connected && s !== aliceOnA)) socket.close();
    bobOnB.close();
    await eventually(async () => (await a.get(`/api/v1/users/${bob.id}/active`, token)).body.active === false);
    aliceOnA.close();
  });

  test("a task registered on A is listed everywhere and stopped from B", async () => {
    let stopped = 0;
    await a.ctx.tasks.add("task-a", { chatId: "chat-x", userId: alice.id }, () => stopped++);
    expect(await b.ctx.tasks.list()).toContain("task-a");
    expect(await b.ctx.tasks.listForChat("chat-x")).toEqual(["task-a"]);
    expect(await redis.hget(`${prefix}:tasks`, "task-a")).toBe("chat-x");
    expect(await b.ctx.tasks.stop("task-a")).toBe(true);
    await eventually(() => stopped === 1);
    await eventually(async () => !(await b.ctx.tasks.list()).includes("task-a"));
    expect(await a.ctx.tasks.listForChat("chat-x")).toEqual([]);
    expect(await b.ctx.tasks.stop("task-a")).toBe(false);
    expect(stopped).toBe(1);
  });

  test("tasks registered by an instance that died are dropped; live ones stay", async () => {
    await b.ctx.tasks.add("task-live", { chatId: "chat-live", userId: alice.id }, () => {});
    await redis
      .multi()
      .hset(`${prefix}:tasks`, "task-ghost", "chat-ghost")
      .sadd(`${prefix}:tasks:item:chat-ghost`, "task-ghost")
      .hset(`${prefix}:tasks:owner`, "task-ghost", "an-instance-that-died")
      .exec();
    expect(await a.ctx.tasks.listForChat("chat-ghost")).toEqual(["task-ghost"]);
    await a.ctx.realtime.sweep();
    expect(await a.ctx.tasks.listForChat("chat-ghost")).toEqual([]);
    expect(await redis.hexists(`${prefix}:tasks:owner`, "task-ghost")).toBe(0);
    expect(await a.ctx.tasks.list()).toContain("task-live");
    await b.ctx.tasks.remove("task-live");
    expect(await a.ctx.tasks.list()).not.toContain("task-live");
  });

  test("a settings change saved on A is applied on B", async () => {
    const seenOnB: unknown[] = [];
    b.ctx.config.onChange((changed) => seenOnB.push(changed));
    await a.ctx.config.set({ ENABLE_SIGNUP: false, DEFAULT_MODELS: "model-x" });
    await eventually(() => b.ctx.config.get("DEFAULT_MODELS") === "model-x");
    expect(b.ctx.config.get("ENABLE_SIGNUP")).toBe(false);
    expect(seenOnB).toEqual([{ ENABLE_SIGNUP: false, DEFAULT_MODELS: "model-x" }]);
    expect(await redis.get(`${prefix}:config:DEFAULT_MODELS`)).toBe('"model-x"');
    expect(await redis.get(`${prefix}:config:ENABLE_SIGNUP`)).toBe("false");
    const config = await b.get("/api/config", b.tokenFor(alice.id));
    expect(config.body.features.enable_signup).toBe(false);
    // B applied it without saving or announcing it again.
    await Bun.sleep(100);
    expect(a.ctx.config.get("DEFAULT_MODELS")).toBe("model-x");
  });

  test("acknowledged calls and direct-connection replies cross instances", async () => {
    const onB = await open(b, alice.id);
    onB.on("chat-events", (event: any, ack: (answer: unknown) => void) => {
      if (event.data.type === "input") ack("typed on B");
    });
    expect(await a.ctx.emit.call(onB.id as string, "chat-events", chatEvent("c", "input", { title: "?" }))).toBe("typed on B");

    const channel = `${alice.id}:${onB.id}:request-7`;
    const lines: unknown[] = [];
    const stop = a.ctx.emit.onClientEvent(channel, (payload) => lines.push(payload));
    onB.emit(channel, "data: {}");
    onB.emit(channel, { done: true });
    await eventually(() => lines.length === 2);
    expect(lines).toEqual(["data: {}", { done: true }]);
    stop();
    onB.close();
  });

  test("channel rooms span instances", async () => {
    const channelId = crypto.randomUUID();
    const now = Date.now() * 1_000_000;
    await a.ctx.db.write((tx) => tx.insert(a.ctx.db.t.channel).values({ id: channelId, user_id: alice.id, name: "c", created_at: now, updated_at: now }));
    const onA = await open(a, alice.id);
    const onB = await open(b, bob.id);
    const typing = next(onB, "channel-events");
    onA.emit("channel-events", { channel_id: channelId, message_id: null, data: { type: "typing", data: { typing: true } } });
    expect((await typing).user.id).toBe(alice.id);
    const message = next(onA, "channel-events", (e: any) => e.data.type === "message");
    b.ctx.emit.toRoom(`channel:${channelId}`, "channel-events", { channel_id: channelId, data: { type: "message" } });
    expect((await message).channel_id).toBe(channelId);
    onA.close();
    onB.close();
  });

  test("collaborative note editing spans instances (document kept in Redis)", async () => {
    const noteId = crypto.randomUUID();
    const now = Date.now() * 1_000_000;
    await a.ctx.db.write((tx) =>
      tx.insert(a.ctx.db.t.note).values({ id: noteId, user_id: alice.id, title: "n", data: null, meta: null, access_control: null, created_at: now, updated_at: now }),
    );
    const documentId = `note:${noteId}`;
    const onA = await open(a, alice.id);
    const onB = await open(b, bob.id);
    const firstState = next(onA, "ydoc:document:state");
    onA.emit("ydoc:document:join", { document_id: documentId, user_id: alice.id, user_name: "Alice" });
    await firstState;
    const joined = next(onA, "ydoc:user:joined");
    const stateOnB = next(onB, "ydoc:document:state");
    onB.emit("ydoc:document:join", { document_id: documentId, user_id: bob.id, user_name: "Bob" });
    expect((await joined).user_id).toBe(bob.id);
    expect((await stateOnB).sessions.sort()).toEqual([onA.id, onB.id].sort());
    const relayed = next(onB, "ydoc:document:update");
    onA.emit("ydoc:document:update", { document_id: documentId, user_id: alice.id, update: [0, 0] });
    expect((await relayed).socket_id).toBe(onA.id);
    expect(await redis.llen(`${prefix}:ydoc:documents:note_${noteId}:updates`)).toBe(1);
    onA.close();
    onB.close();
  });

  test("pool entries of sockets no instance holds are swept (an instance that died)", async () => {
    const live = await open(b, bob.id);
    const ghost = "GhostSocketId0000000";
    await redis.hset(`${prefix}:session_pool`, ghost, JSON.stringify({ id: "ghost-user", name: "Ghost" }));
    await redis.hset(`${prefix}:user_pool`, "ghost-user", JSON.stringify([ghost]));
    await a.ctx.realtime.sweep();
    expect(await redis.hexists(`${prefix}:user_pool`, "ghost-user")).toBe(1);
    await a.ctx.realtime.sweep();
    expect(await redis.hexists(`${prefix}:user_pool`, "ghost-user")).toBe(0);
    expect(await redis.hexists(`${prefix}:session_pool`, ghost)).toBe(0);
    expect(await redis.hexists(`${prefix}:session_pool`, live.id as string)).toBe(1);
    live.close();
  });
});

describe.skipIf(!redisUrl)("Redis going away and coming back", () => {
  test("HTTP keeps working, the outage is logged once, realtime recovers without a restart", async () => {
    const database = await createTestDatabase("sqlite");
    const prefix = uniquePrefix();
    const relay = await startRelay(redisUrl);
    const recorded = recordingLogger();
    const cut = await startInstance(database, sharedEnv(prefix, relay.url), recorded.log);
    const steady = await startInstance(database, sharedEnv(prefix));
    const redis = new Redis(redisUrl);
    const user = await insertUser(cut.ctx, { role: "user" });
    const token = cut.tokenFor(user.id);
    const sockets: Socket[] = [];
    try {
      const first = await connect(cut.url, token);
      sockets.push(first);
      await join(first, token);
      let stopped = 0;
      await cut.ctx.tasks.add("task-during-outage", { chatId: "chat-o", userId: user.id }, () => stopped++);

      await relay.cut();
      await Bun.sleep(1500);
      // HTTP answers, from this instance's own sockets.
      expect((await cut.get("/health")).status).toBe(200);
      const usage = await cut.get("/api/usage", token);
      expect(usage.status).toBe(200);
      expect(usage.body.user_ids).toEqual([user.id]);
      // Local delivery still works.
      const local = next(first, "chat-events");
      cut.ctx.emit.toUser(user.id, "chat-events", chatEvent("c", "chat:title", "local"));
      expect((await local).data.data).toBe("local");
      // A socket joining during the outage, and Redis losing its data (a restart).
      const second = await connect(cut.url, token);
      sockets.push(second);
      expect(await join(second, token)).toEqual({ id: user.id, name: "Test User" });
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      const outageLines = recorded.lines.filter((line) => line.includes("unreachable"));
      expect(outageLines).toHaveLength(1);

      await relay.restore();
      await eventually(() => recorded.lines.some((line) => line.includes("reachable again")), 10_000);
      // The instance put its sockets and tasks back into Redis.
      await eventually(async () => (await steady.get("/api/v1/users/active", token)).body.user_ids.includes(user.id), 10_000);
      const expected = JSON.stringify([first.id, second.id].sort());
      await eventually(async () => JSON.stringify(JSON.parse((await redis.hget(`${prefix}:user_pool`, user.id)) ?? "[]").sort()) === expected);
      expect(await steady.ctx.tasks.listForChat("chat-o")).toEqual(["task-during-outage"]);
      // Events from the other instance arrive again, and a stop from there reaches the task.
      await eventually(async () => {
        const arrived = next(second, "chat-events", () => true, 300).then(() => true, () => false);
        steady.ctx.emit.toUser(user.id, "chat-events", chatEvent("c", "chat:title", "across"));
        return arrived;
      }, 10_000);
      expect(await steady.ctx.tasks.stop("task-during-outage")).toBe(true);
      await eventually(() => stopped === 1);
      expect(recorded.lines.filter((line) => line.includes("unreachable"))).toHaveLength(1);
    } finally {
      for (const socket of sockets) socket.close();
      await Promise.all([cut.stop(), steady.stop()]);
      await relay.close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
      await database.drop();
    }
  }, 60_000);
});

describe.skipIf(!redisUrl)("stray events", () => {
  test("nothing crosses between deployments with different key prefixes", async () => {
    const database = await createTestDatabase("sqlite");
    const one = await startInstance(database, sharedEnv(uniquePrefix()));
    const two = await startInstance(database, sharedEnv(uniquePrefix()));
    const user = await insertUser(one.ctx, { role: "user" });
    const socket = await connect(two.url, two.tokenFor(user.id));
    await join(socket, two.tokenFor(user.id));
    const seen = collect(socket, "chat-events", 300);
    one.ctx.emit.toUser(user.id, "chat-events", chatEvent("c", "x", 1));
    expect(await seen).toEqual([]);
    expect((await one.get("/api/v1/users/active", one.tokenFor(user.id))).body.user_ids).toEqual([]);
    socket.close();
    await Promise.all([one.stop(), two.stop()]);
    await database.drop();
  });
});
