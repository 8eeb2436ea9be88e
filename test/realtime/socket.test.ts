// One instance, in memory: the 0.6.32 frontend's handshake, every client event, the emitter,
// the pools behind /api/usage and /api/v1/users/*/active, refusal of bad tokens, polling.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Socket } from "socket.io-client";
import * as Y from "yjs";
import { eq } from "drizzle-orm";
import { createTestDatabase, dialects, type TestDatabase } from "../support/databases";
import { insertUser } from "../support/users";
import { chatEvent, collect, connect, eventually, join, next, startInstance, type Instance } from "./helpers";

for (const dialect of dialects) {
  describe(dialect, () => {
    let database: TestDatabase;
    let server: Instance;
    let alice: Awaited<ReturnType<typeof insertUser>>;
    let bob: Awaited<ReturnType<typeof insertUser>>;
    let admin: Awaited<ReturnType<typeof insertUser>>;
    let pending: Awaited<ReturnType<typeof insertUser>>;
    const sockets: Socket[] = [];
    const open = async (token: string | undefined, transports?: ("websocket" | "polling")[]) => {
      const socket = await connect(server.url, token, transports);
      sockets.push(socket);
      return socket;
    };

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      server = await startInstance(database);
      alice = await insertUser(server.ctx, { role: "user", name: "Alice" });
      bob = await insertUser(server.ctx, { role: "user", name: "Bob" });
      admin = await insertUser(server.ctx, { role: "admin", name: "Admin" });
      pending = await insertUser(server.ctx, { role: "pending", name: "Pending" });
    });

    afterAll(async () => {
      for (const socket of sockets) socket.close();
      await server.stop();
      await database.drop();
    });

    test("the frontend's handshake: auth token on connect, user-join acknowledged with id and name", async () => {
      const token = server.tokenFor(alice.id);
      const socket = await open(token);
      expect(socket.id).toMatch(/^[A-Za-z0-9_-]{20}$/);
      expect(await join(socket, token)).toEqual({ id: alice.id, name: "Alice" });
      const active = await server.get(`/api/v1/users/${alice.id}/active`, token);
      expect(active).toEqual({ status: 200, body: { active: true } });
      socket.close();
    });

    test("chat-events for a user reach every socket of that user and nobody else", async () => {
      const aliceToken = server.tokenFor(alice.id);
      const [first, second, other, anonymous] = await Promise.all([
        open(aliceToken),
        open(aliceToken),
        open(server.tokenFor(bob.id)),
        open(undefined),
      ]);
      await join(first, aliceToken);
      await join(second, aliceToken);
      const payload = chatEvent("chat-1", "chat:completion", { content: "Hello" });
      const strays = Promise.all([collect(other, "chat-events", 300), collect(anonymous, "chat-events", 300)]);
      const received = Promise.all([next(first, "chat-events"), next(second, "chat-events")]);
      server.ctx.emit.toUser(alice.id, "chat-events", payload);
      expect(await received).toEqual([payload, payload]);
      expect(await strays).toEqual([[], []]);
      for (const socket of [first, second, other, anonymous]) socket.close();
    });

    test("a socket connected with a token is registered before user-join", async () => {
      const socket = await open(server.tokenFor(bob.id));
      const event = next(socket, "chat-events");
      await eventually(async () => (await server.ctx.usage.sessionUserId(socket.id as string)) === bob.id);
      server.ctx.emit.toUser(bob.id, "chat-events", chatEvent("c", "chat:title", "Title"));
      expect((await event).data).toEqual({ type: "chat:title", data: "Title" });
      socket.close();
    });

    test("toSession reaches one socket; a user plus its session is delivered once", async () => {
      const token = server.tokenFor(alice.id);
      const [target, sibling] = await Promise.all([open(token), open(token)]);
      await Promise.all([join(target, token), join(sibling, token)]);
      const siblingSeen = collect(sibling, "status", 300);
      const got = next(target, "status");
      server.ctx.emit.toSession(target.id as string, "status", { n: 1 });
      expect(await got).toEqual({ n: 1 });
      expect(await siblingSeen).toEqual([]);

      const targetSeen = collect(target, "chat-events", 300);
      server.ctx.emit.to({ userIds: [alice.id], sessionIds: [target.id as string] }, "chat-events", chatEvent("c", "x", 1));
      expect(await targetSeen).toHaveLength(1);
      target.close();
      sibling.close();
    });

    test("session ids that name other rooms are refused", async () => {
      const token = server.tokenFor(alice.id);
      const socket = await open(token);
      await join(socket, token);
      const seen = collect(socket, "chat-events", 300);
      server.ctx.emit.toSession(`user:${alice.id}`, "chat-events", chatEvent("c", "x", 1));
      server.ctx.emit.to({}, "chat-events", chatEvent("c", "everyone?", 1));
      expect(await seen).toEqual([]);
      expect(await server.ctx.emit.call(`user:${alice.id}`, "chat-events", {})).toBeNull();
      socket.close();
    });

    test("bad, missing, foreign and API-key tokens are refused: the socket stays anonymous", async () => {
      await server.ctx.db.write((tx) =>
        tx.update(server.ctx.db.t.user).set({ api_key: "sk-alice-key" }).where(eq(server.ctx.db.t.user.id, alice.id)),
      );
      const forged = server.tokenFor(alice.id).slice(0, -2) + "xx";
      const unknownUser = server.tokenFor(crypto.randomUUID());
      const bad: unknown[] = [forged, unknownUser, "sk-alice-key", "not-a-jwt", "", 42, { id: alice.id }, null];
      for (const token of bad) {
        const socket = await open(typeof token === "string" ? token : undefined);
        expect(await join(socket, token)).toBeUndefined();
        socket.emit("usage", { action: "chat", model: "refused-model", chat_id: "c" });
        const seen = collect(socket, "chat-events", 100);
        server.ctx.emit.toUser(alice.id, "chat-events", chatEvent("c", "private", 1));
        expect(await seen).toEqual([]);
        expect(await server.ctx.usage.sessionUserId(socket.id as string)).toBeNull();
        socket.close();
      }
      const usage = await server.get("/api/usage", server.tokenFor(admin.id));
      expect(usage.body.model_ids).not.toContain("refused-model");
      // A handshake whose auth is not an object at all is accepted and anonymous too.
      const odd = await open(undefined);
      expect(await odd.timeout(2000).emitWithAck("user-join", "garbage")).toBeUndefined();
      odd.close();
    });

    test("malformed events are ignored and the server keeps working", async () => {
      const token = server.tokenFor(alice.id);
      const socket = await open(token);
      const events = [
        "user-join",
        "join-channels",
        "join-note",
        "usage",
        "channel-events",
        "ydoc:document:join",
        "ydoc:document:state",
        "ydoc:document:update",
        "ydoc:document:leave",
        "ydoc:awareness:update",
        "no-such-event",
      ];
      const payloads: unknown[] = [null, undefined, 1, "x", [], {}, { auth: null }, { auth: { token: 5 } }, { document_id: 7, update: "zz" }, { document_id: "note:missing", update: [1, 2, 3, 999] }, { channel_id: {}, data: null }, { model: {} }];
      for (const event of events) for (const payload of payloads) socket.emit(event, payload);
      await Bun.sleep(200);
      expect(socket.connected).toBe(true);
      expect(await join(socket, token)).toEqual({ id: alice.id, name: "Alice" });
      expect((await server.get("/health")).status).toBe(200);
      socket.close();
    });

    test("usage events fill /api/usage; disconnect empties the user pool", async () => {
      const token = server.tokenFor(bob.id);
      const socket = await open(token);
      await join(socket, token);
      socket.emit("usage", { action: "chat", model: "model-a", chat_id: "c1" });
      await eventually(async () => (await server.get("/api/usage", token)).body.model_ids.includes("model-a"));
      const usage = await server.get("/api/usage", token);
      expect(usage.status).toBe(200);
      expect(usage.body.user_ids).toContain(bob.id);
      expect((await server.get("/api/v1/users/active", token)).body.user_ids).toContain(bob.id);

      socket.close();
      await eventually(async () => !(await server.get("/api/v1/users/active", token)).body.user_ids.includes(bob.id));
      expect((await server.get(`/api/v1/users/${bob.id}/active`, token)).body).toEqual({ active: false });
    });

    test("usage entries expire after three seconds", async () => {
      const pools = server.ctx.usage as unknown as { usage: Map<string, Map<string, number>>; expireUsage(): Promise<void> };
      pools.usage.set("old-model", new Map([["sid-old", Math.floor(Date.now() / 1000) - 4]]));
      pools.usage.set("fresh-model", new Map([["sid-new", Math.floor(Date.now() / 1000)]]));
      await pools.expireUsage();
      expect(await server.ctx.usage.modelIds()).toContain("fresh-model");
      expect(await server.ctx.usage.modelIds()).not.toContain("old-model");
    });

    test("usage and active routes: anonymous and pending refused, users and admins allowed", async () => {
      for (const path of ["/api/usage", "/api/v1/users/active", `/api/v1/users/${alice.id}/active`]) {
        expect((await server.get(path)).status).toBe(401);
        expect((await server.get(path)).body).toEqual({ detail: "Not authenticated" });
        expect((await server.get(path, server.tokenFor(pending.id))).status).toBe(401);
        expect((await server.get(path, server.tokenFor(alice.id))).status).toBe(200);
        expect((await server.get(path, server.tokenFor(admin.id))).status).toBe(200);
      }
      expect((await server.get("/api/v1/users/nobody/active", server.tokenFor(alice.id))).body).toEqual({ active: false });
    });

    test("polling transport, alone and upgraded to websocket", async () => {
      const token = server.tokenFor(alice.id);
      const polling = await open(token, ["polling"]);
      const upgrading = await open(token, ["polling", "websocket"]);
      expect(await join(polling, token)).toEqual({ id: alice.id, name: "Alice" });
      expect(await join(upgrading, token)).toEqual({ id: alice.id, name: "Alice" });
      await eventually(() => upgrading.io.engine.transport.name === "websocket");
      const received = Promise.all([next(polling, "chat-events"), next(upgrading, "chat-events")]);
      server.ctx.emit.toUser(alice.id, "chat-events", chatEvent("c", "chat:title", "polled"));
      expect((await received).map((e) => e.data.data)).toEqual(["polled", "polled"]);
      expect(polling.io.engine.transport.name).toBe("polling");
      polling.close();
      upgrading.close();
    });

    test("a websocket request without upgrade headers is answered 400 like Open WebUI", async () => {
      const response = await fetch(`${server.url}/ws/socket.io/?EIO=4&transport=websocket`);
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ detail: "Invalid WebSocket upgrade request" });
    });

    test("call waits for the browser's acknowledgement", async () => {
      const token = server.tokenFor(alice.id);
      const socket = await open(token);
      await join(socket, token);
      socket.on("chat-events", (event: any, ack: (answer: unknown) => void) => {
        if (event.data.type === "confirmation") ack(true);
      });
      const answer = await server.ctx.emit.call(socket.id as string, "chat-events", chatEvent("c", "confirmation", { title: "Sure?" }));
      expect(answer).toBe(true);
      socket.close();
    });

    test("direct-connection replies: only the owning socket can feed its channel", async () => {
      const token = server.tokenFor(alice.id);
      const [owner, intruder] = await Promise.all([open(token), open(server.tokenFor(bob.id))]);
      await Promise.all([join(owner, token), join(intruder, server.tokenFor(bob.id))]);
      const channel = `${alice.id}:${owner.id}:request-1`;
      const received: unknown[] = [];
      const stop = server.ctx.emit.onClientEvent(channel, (payload, source) => received.push({ payload, source }));
      intruder.emit(channel, "data: forged");
      owner.emit(channel, "data: line");
      owner.emit(channel, { done: true });
      await eventually(() => received.length === 2);
      expect(received).toEqual([
        { payload: "data: line", source: { sessionId: owner.id, userId: alice.id } },
        { payload: { done: true }, source: { sessionId: owner.id, userId: alice.id } },
      ]);
      stop();
      owner.emit(channel, "after");
      await Bun.sleep(100);
      expect(received).toHaveLength(2);
      owner.close();
      intruder.close();
    });

    test("channels: user-join enters readable channel rooms; typing goes to the room", async () => {
      const { channel } = server.ctx.db.t;
      const now = Date.now() * 1_000_000;
      const openChannel = crypto.randomUUID();
      const privateChannel = crypto.randomUUID();
      await server.ctx.db.write(async (tx) => {
        await tx.insert(channel).values({ id: openChannel, user_id: admin.id, name: "general", access_control: null, created_at: now, updated_at: now });
        await tx.insert(channel).values({
          id: privateChannel,
          user_id: admin.id,
          name: "secret",
          access_control: { read: { user_ids: [alice.id], group_ids: [] }, write: { user_ids: [], group_ids: [] } },
          created_at: now,
          updated_at: now,
        });
      });
      const aliceToken = server.tokenFor(alice.id);
      const bobToken = server.tokenFor(bob.id);
      const [a, b] = await Promise.all([open(aliceToken), open(bobToken)]);
      await Promise.all([join(a, aliceToken), join(b, bobToken)]);

      const typing = { channel_id: privateChannel, message_id: null, data: { type: "typing", data: { typing: true } } };
      const bobSeesPrivate = collect(b, "channel-events", 300);
      const aliceEcho = next(a, "channel-events");
      a.emit("channel-events", typing);
      expect(await aliceEcho).toEqual({
        channel_id: privateChannel,
        message_id: null,
        data: { type: "typing", data: { typing: true } },
        user: { id: alice.id, name: "Alice", role: "user", profile_image_url: "/user.png" },
      });
      expect(await bobSeesPrivate).toEqual([]);

      // Bob is not in the private room: his typing there goes nowhere.
      const aliceSeesForged = collect(a, "channel-events", 300);
      b.emit("channel-events", { ...typing, data: { type: "typing", data: { typing: true } } });
      expect(await aliceSeesForged).toEqual([]);

      const both = Promise.all([next(a, "channel-events"), next(b, "channel-events")]);
      server.ctx.emit.toRoom(`channel:${openChannel}`, "channel-events", { channel_id: openChannel, data: { type: "message" } });
      expect((await both).map((e) => e.channel_id)).toEqual([openChannel, openChannel]);

      // A channel created later is joined on join-channels.
      const later = crypto.randomUUID();
      await server.ctx.db.write((tx) => tx.insert(channel).values({ id: later, user_id: bob.id, name: "later", created_at: now, updated_at: now }));
      b.emit("join-channels", { auth: { token: bobToken } });
      await Bun.sleep(100);
      const laterEvent = next(b, "channel-events");
      server.ctx.emit.toRoom(`channel:${later}`, "channel-events", { channel_id: later });
      expect((await laterEvent).channel_id).toBe(later);
      a.close();
      b.close();
    });

    test("notes: join-note and the collaborative document events", async () => {
      const { note } = server.ctx.db.t;
      const noteId = crypto.randomUUID();
      const now = Date.now() * 1_000_000;
      await server.ctx.db.write((tx) =>
        tx.insert(note).values({
          id: noteId,
          user_id: alice.id,
          title: "Shared",
          data: { content: { md: "old" } },
          meta: null,
          access_control: { read: { user_ids: [bob.id], group_ids: [] }, write: { user_ids: [], group_ids: [] } },
          created_at: now,
          updated_at: now,
        }),
      );
      const aliceToken = server.tokenFor(alice.id);
      const bobToken = server.tokenFor(bob.id);
      const adminToken = server.tokenFor(admin.id);
      const [a, b, c] = await Promise.all([open(aliceToken), open(bobToken), open(adminToken)]);
      await Promise.all([join(a, aliceToken), join(b, bobToken), join(c, adminToken)]);
      const outsider = await open(server.tokenFor(pending.id));
      await join(outsider, server.tokenFor(pending.id));

      // note-events go to sockets that joined the note's room.
      a.emit("join-note", { note_id: noteId, auth: { token: aliceToken } });
      outsider.emit("join-note", { note_id: noteId, auth: { token: server.tokenFor(pending.id) } });
      await Bun.sleep(100);
      const outsiderSees = collect(outsider, "note-events", 200);
      const noteEvent = next(a, "note-events");
      server.ctx.emit.toRoom(`note:${noteId}`, "note-events", { id: noteId });
      expect(await noteEvent).toEqual({ id: noteId });
      expect(await outsiderSees).toEqual([]);

      const documentId = `note:${noteId}`;
      const doc = new Y.Doc();
      doc.getText("t").insert(0, "hello");
      const update = Array.from(Y.encodeStateAsUpdate(doc));

      const aliceState = next(a, "ydoc:document:state");
      a.emit("ydoc:document:join", { document_id: documentId, user_id: alice.id, user_name: "Alice", user_color: "#f00" });
      expect(await aliceState).toEqual({ document_id: documentId, state: [0, 0], sessions: [a.id] });

      const joined = next(a, "ydoc:user:joined");
      const bobState = next(b, "ydoc:document:state");
      b.emit("ydoc:document:join", { document_id: documentId, user_id: bob.id, user_name: "Bob", user_color: "#0f0" });
      expect(await joined).toEqual({ document_id: documentId, user_id: bob.id, user_name: "Bob", user_color: "#0f0" });
      expect((await bobState).sessions.sort()).toEqual([a.id, b.id].sort());

      // The outsider may neither join nor inject updates.
      const outsiderState = collect(outsider, "ydoc:document:state", 200);
      outsider.emit("ydoc:document:join", { document_id: documentId, user_id: pending.id });
      expect(await outsiderState).toEqual([]);
      const aliceSeesInjected = collect(a, "ydoc:document:update", 200);
      outsider.emit("ydoc:document:update", { document_id: documentId, user_id: pending.id, update, socket_id: outsider.id });
      expect(await aliceSeesInjected).toEqual([]);

      // Alice edits: Bob receives the update, a later state contains it, the data is saved.
      const relayed = next(b, "ydoc:document:update");
      a.emit("ydoc:document:update", { document_id: documentId, user_id: alice.id, socket_id: a.id, update, data: { content: { md: "hello" } } });
      expect(await relayed).toEqual({ document_id: documentId, user_id: alice.id, update, socket_id: a.id });
      const state = next(b, "ydoc:document:state");
      b.emit("ydoc:document:state", { document_id: documentId });
      const merged = new Y.Doc();
      Y.applyUpdate(merged, Uint8Array.from((await state).state));
      expect(merged.getText("t").toString()).toBe("hello");
      const readData = async () => {
        const [row] = await server.ctx.db.read.select({ data: note.data }).from(note).where(eq(note.id, noteId));
        return row?.data as any;
      };
      await eventually(async () => (await readData())?.content?.md === "hello");

      // Bob only has read access: his edits are relayed but not saved.
      const aliceGets = next(a, "ydoc:awareness:update");
      b.emit("ydoc:awareness:update", { document_id: documentId, user_id: bob.id, update: [1, 2] });
      expect(await aliceGets).toEqual({ document_id: documentId, user_id: bob.id, update: [1, 2] });
      b.emit("ydoc:document:update", { document_id: documentId, user_id: bob.id, socket_id: b.id, update, data: { content: { md: "bob was here" } } });
      await Bun.sleep(800);
      expect((await readData()).content.md).toBe("hello");

      const left = next(a, "ydoc:user:left");
      b.emit("ydoc:document:leave", { document_id: documentId, user_id: bob.id });
      expect(await left).toEqual({ document_id: documentId, user_id: bob.id });

      // The last editor leaving drops the document.
      a.emit("ydoc:document:leave", { document_id: documentId, user_id: alice.id });
      await Bun.sleep(100);
      const fresh = next(c, "ydoc:document:state");
      c.emit("ydoc:document:join", { document_id: documentId, user_id: admin.id });
      expect((await fresh).state).toEqual([0, 0]);
      for (const socket of [a, b, c, outsider]) socket.close();
    });

    test("task registry in memory: add, list, list by chat, stop, remove", async () => {
      const { tasks } = server.ctx;
      let stopped = 0;
      await tasks.add("task-1", { chatId: "chat-1", userId: alice.id }, () => stopped++);
      await tasks.add("task-2", { userId: alice.id }, () => stopped++);
      expect((await tasks.list()).sort()).toEqual(["task-1", "task-2"]);
      expect(await tasks.listForChat("chat-1")).toEqual(["task-1"]);
      expect(await tasks.stop("task-1")).toBe(true);
      expect(stopped).toBe(1);
      expect(await tasks.stop("task-1")).toBe(false);
      expect(await tasks.listForChat("chat-1")).toEqual([]);
      await tasks.remove("task-2");
      expect(await tasks.list()).toEqual([]);
      expect(await tasks.stop("missing")).toBe(false);
    });
  });
}

describe("shutdown", () => {
  test("stop() closes the sockets and the server", async () => {
    const database = await createTestDatabase("sqlite");
    const server = await startInstance(database);
    const user = await insertUser(server.ctx, { role: "user" });
    const socket = await connect(server.url, server.tokenFor(user.id));
    const closed = new Promise<string>((resolve) => socket.on("disconnect", (reason) => resolve(reason)));
    await server.stop();
    expect(["io server disconnect", "transport close"]).toContain(await closed);
    expect(fetch(`${server.url}/health`)).rejects.toThrow();
    await database.drop();
  });
});
