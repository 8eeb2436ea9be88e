// Channel messages on a real server: what is posted, replied, reacted to, edited and deleted
// reaches the sockets of the channel's members as `channel-events` (and nobody else).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Socket } from "socket.io-client";
import { createTestDatabase, dialects, type TestDatabase } from "../support/databases";
import { insertUser } from "../support/users";
import { collect, connect, join, next, startInstance, type Instance } from "../realtime/helpers";

for (const dialect of dialects) {
  describe(dialect, () => {
    let database: TestDatabase;
    let server: Instance;
    let admin: Awaited<ReturnType<typeof insertUser>>;
    let bob: Awaited<ReturnType<typeof insertUser>>;
    let carol: Awaited<ReturnType<typeof insertUser>>;
    let channel: any;
    let member: Socket;
    let outsider: Socket;
    const sockets: Socket[] = [];

    const send = async (method: string, path: string, userId: string, body?: unknown) => {
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${server.tokenFor(userId)}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const joined = async (userId: string) => {
      const token = server.tokenFor(userId);
      const socket = await connect(server.url, token);
      sockets.push(socket);
      await join(socket, token);
      return socket;
    };
    const ofType = (type: string, content?: string) => (payload: any) =>
      payload?.data?.type === type && (content === undefined || payload.data.data?.content === content);

    beforeAll(async () => {
      database = await createTestDatabase(dialect);
      server = await startInstance(database);
      admin = await insertUser(server.ctx, { role: "admin", name: "Admin" });
      bob = await insertUser(server.ctx, { role: "user", name: "Bob" });
      carol = await insertUser(server.ctx, { role: "user", name: "Carol" });
      const access = { read: { user_ids: [bob.id], group_ids: [] }, write: { user_ids: [bob.id], group_ids: [] } };
      channel = (await send("POST", "/api/v1/channels/create", admin.id, { name: "Crew", access_control: access })).body;
      // Sockets join the rooms of the channels their user may read when they join.
      [member, outsider] = await Promise.all([joined(bob.id), joined(carol.id)]);
    });
    afterAll(async () => {
      for (const socket of sockets) socket.close();
      await server.stop();
      await database.drop();
    });

    test("a posted message reaches a member's socket; an outsider hears nothing", async () => {
      const heard = next(member, "channel-events", ofType("message", "welcome"));
      const overheard = collect(outsider, "channel-events", 400);
      const posted = await send("POST", `/api/v1/channels/${channel.id}/messages/post`, admin.id, { content: "welcome" });
      expect(posted.status).toBe(200);
      const event = await heard;
      expect(event).toMatchObject({
        channel_id: channel.id,
        message_id: posted.body.id,
        data: {
          type: "message",
          data: { id: posted.body.id, content: "welcome", user: { id: admin.id, name: "Admin" }, reply_count: 0, reactions: [] },
        },
        user: { id: admin.id, name: "Admin", role: "admin", profile_image_url: "/user.png" },
        channel: { id: channel.id, name: "crew" },
      });
      expect(typeof event.data.data.created_at).toBe("number");
      expect(await overheard).toEqual([]);
    });

    test("a thread reply, a reaction, an edit and a delete reach members with the reference's event types", async () => {
      const root = (await send("POST", `/api/v1/channels/${channel.id}/messages/post`, admin.id, { content: "root" })).body;
      const base = `/api/v1/channels/${channel.id}/messages`;

      const reply = next(member, "channel-events", ofType("message", "reply"));
      const threadGrew = next(member, "channel-events", ofType("message:reply"));
      const answer = (await send("POST", `${base}/post`, bob.id, { content: "reply", parent_id: root.id })).body;
      expect((await reply).data.data).toMatchObject({ id: answer.id, parent_id: root.id, user: { id: bob.id } });
      expect((await threadGrew).data.data).toMatchObject({ id: root.id, reply_count: 1, latest_reply_at: expect.any(Number) });

      const reacted = next(member, "channel-events", ofType("message:reaction:add"));
      await send("POST", `${base}/${root.id}/reactions/add`, bob.id, { name: "tada" });
      expect((await reacted).data.data).toMatchObject({ id: root.id, name: "tada", reactions: [{ name: "tada", user_ids: [bob.id], count: 1 }] });

      const unreacted = next(member, "channel-events", ofType("message:reaction:remove"));
      await send("POST", `${base}/${root.id}/reactions/remove`, bob.id, { name: "tada" });
      expect((await unreacted).data.data).toMatchObject({ id: root.id, name: "tada", reactions: [] });

      const edited = next(member, "channel-events", ofType("message:update"));
      await send("POST", `${base}/${answer.id}/update`, bob.id, { content: "reply, edited" });
      expect((await edited).data.data).toMatchObject({ id: answer.id, content: "reply, edited" });

      const deleted = next(member, "channel-events", ofType("message:delete"));
      const shrunk = next(member, "channel-events", ofType("message:reply"));
      expect((await send("DELETE", `${base}/${answer.id}/delete`, admin.id)).status).toBe(200);
      expect(await deleted).toMatchObject({ message_id: answer.id, data: { data: { id: answer.id, user: { id: admin.id } } } });
      expect((await shrunk).data.data).toMatchObject({ id: root.id, reply_count: 0, latest_reply_at: null });

      // A refused change tells nobody.
      const quiet = collect(member, "channel-events", 300);
      expect((await send("POST", `${base}/${root.id}/update`, bob.id, { content: "mine now" })).status).toBe(403);
      expect(await quiet).toEqual([]);
    });
  });
}
