// Channel messages on both databases: posting (writers only), listing with authors, thread sizes
// and reactions, threads, the single message, updating and deleting (author or admin), reactions;
// users without access get the reference's status and nothing changes; bad input is a 4xx.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { addUser, signUp, type Account } from "../support/accounts";
import { dialects } from "../support/databases";
import { createGroup, grants, insertChannel } from "../support/workspace";

const MESSAGE_KEYS = ["id", "user_id", "channel_id", "reply_to_id", "parent_id", "content", "data", "meta", "created_at", "updated_at"];
const RESPONSE_KEYS = [...MESSAGE_KEYS, "user", "reply_to_message", "latest_reply_at", "reply_count", "reactions"];

for (const dialect of dialects) {
  describe(dialect, () => {
    let t: TestApp;
    let admin: Account;
    let alice: Account;
    let bob: Account;
    let carol: Account;
    let open: string; // public: everyone reads and posts
    let readOnly: string; // Alice's group reads, only Carol writes
    let secret: string; // private

    const base = (channelId: string) => `/api/v1/channels/${channelId}/messages`;
    const post = (who: Account, channelId: string, body: Record<string, unknown>) =>
      t.request("POST", `${base(channelId)}/post`, { token: who.token, body });
    const list = async (who: Account, channelId: string, query = "") =>
      (await t.request("GET", `${base(channelId)}${query}`, { token: who.token })).body;
    const contents = async (who: Account, channelId: string, query = "") => (await list(who, channelId, query)).map((m: any) => m.content);

    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = await signUp(t, "admin@example.com", "pw", "Admin");
      alice = await addUser(t, admin, "alice@example.com");
      bob = await addUser(t, admin, "bob@example.com");
      carol = await addUser(t, admin, "carol@example.com");
      const readers = await createGroup(t, admin, "Readers", [alice, carol]);
      open = (await insertChannel(t, { user_id: admin.id, name: "open", access_control: null })).id;
      readOnly = (await insertChannel(t, { user_id: admin.id, name: "announce", access_control: grants({ groups: [readers] }, { users: [carol.id] }) })).id;
      secret = (await insertChannel(t, { user_id: admin.id, name: "secret", access_control: {} })).id;
    }, 30_000);
    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    test("POST messages/post: a MessageModel with server-set id, author and times", async () => {
      const res = await post(alice, open, { content: "hello", data: { files: [] }, meta: { x: 1 }, id: "mine", user_id: bob.id, channel_id: secret });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(MESSAGE_KEYS);
      expect(res.body).toMatchObject({ user_id: alice.id, channel_id: open, content: "hello", data: { files: [] }, meta: { x: 1 }, parent_id: null, reply_to_id: null });
      expect(res.body.id).not.toBe("mine");
      expect(res.body.created_at).toBe(res.body.updated_at);
      expect(res.text).toMatch(/"created_at":\d{19}/);
      expect(await contents(admin, secret)).toEqual([]);
    });

    test("GET messages: newest first, top level only, with author, thread size, reactions and the replied-to message", async () => {
      const first = (await post(bob, open, { content: "first" })).body;
      const reply = (await post(alice, open, { content: "in thread", parent_id: first.id })).body;
      const later = (await post(alice, open, { content: "in thread 2", parent_id: first.id })).body;
      const answer = (await post(carol, open, { content: "answer", reply_to_id: first.id })).body;
      await t.request("POST", `${base(open)}/${first.id}/reactions/add`, { token: alice.token, body: { name: "thumbsup" } });
      await t.request("POST", `${base(open)}/${first.id}/reactions/add`, { token: bob.token, body: { name: "thumbsup" } });
      await t.request("POST", `${base(open)}/${first.id}/reactions/add`, { token: bob.token, body: { name: "heart" } });

      const messages = await list(bob, open);
      expect(messages.map((m: any) => m.content)).toEqual(["answer", "first", "hello"]);
      expect(Object.keys(messages[0])).toEqual(RESPONSE_KEYS);
      const [top, withThread] = messages;
      expect(top.id).toBe(answer.id);
      expect(top.user).toEqual({ id: carol.id, name: "carol", role: "user", profile_image_url: "/user.png" });
      expect(top.reply_to_message).toMatchObject({ id: first.id, content: "first", user: { id: bob.id } });
      expect(Object.keys(top.reply_to_message)).toEqual([...MESSAGE_KEYS, "user"]);
      expect(withThread).toMatchObject({ reply_count: 2, latest_reply_at: later.created_at });
      expect(withThread.latest_reply_at).not.toBe(reply.created_at);
      expect(withThread.reactions).toEqual([
        { name: "thumbsup", user_ids: [alice.id, bob.id], count: 2 },
        { name: "heart", user_ids: [bob.id], count: 1 },
      ]);
      expect(messages[2]).toMatchObject({ reply_count: 0, latest_reply_at: null, reactions: [], reply_to_message: null });

      expect(await contents(bob, open, "?skip=1&limit=1")).toEqual(["first"]);
      expect(await contents(bob, open, "?limit=0")).toEqual([]);
    });

    test("GET messages/{id}/thread: replies newest first, then the thread's first message", async () => {
      const first = (await post(bob, open, { content: "topic" })).body;
      for (const content of ["r1", "r2", "r3"]) await post(alice, open, { content, parent_id: first.id });
      const thread = async (query = "") => (await t.request("GET", `${base(open)}/${first.id}/thread${query}`, { token: carol.token })).body;
      const all = await thread();
      expect(all.map((m: any) => m.content)).toEqual(["r3", "r2", "r1", "topic"]);
      expect(all.every((m: any) => m.reply_count === 0 && m.latest_reply_at === null)).toBe(true);
      expect(all[0].user.id).toBe(alice.id);
      // A full page leaves the first message out.
      expect((await thread("?limit=2")).map((m: any) => m.content)).toEqual(["r3", "r2"]);
      expect((await thread("?skip=2&limit=2")).map((m: any) => m.content)).toEqual(["r1", "topic"]);
      const none = await t.request("GET", `${base(open)}/no-such/thread`, { token: carol.token });
      expect(none).toMatchObject({ status: 200, body: [] });
    });

    test("GET messages/{id}: the full message; 404 unknown, 400 when it is another channel's", async () => {
      const message = (await post(alice, open, { content: "single" })).body;
      const res = await t.request("GET", `${base(open)}/${message.id}`, { token: bob.token });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(RESPONSE_KEYS);
      expect(res.body).toMatchObject({ id: message.id, content: "single", user: { id: alice.id }, reply_count: 0, reactions: [] });
      expect((await t.request("GET", `${base(open)}/no-such`, { token: bob.token })).status).toBe(404);
      const elsewhere = (await post(admin, secret, { content: "classified" })).body;
      const crossed = await t.request("GET", `${base(open)}/${elsewhere.id}`, { token: bob.token });
      expect(crossed).toMatchObject({ status: 400, body: { detail: "Something went wrong :/" } });
    });

    test("a channel the caller may not read: 403 for its messages, threads and single messages", async () => {
      const hidden = (await post(admin, secret, { content: "hidden" })).body;
      for (const path of [base(secret), `${base(secret)}/${hidden.id}`, `${base(secret)}/${hidden.id}/thread`]) {
        const res = await t.request("GET", path, { token: alice.token });
        expect(res).toMatchObject({ status: 403, body: { detail: "Something went wrong :/" } });
      }
      expect((await t.request("GET", `${base("no-such-channel")}`, { token: alice.token })).status).toBe(404);
      // A readable channel's thread route does not show another channel's message.
      const thread = await t.request("GET", `${base(open)}/${hidden.id}/thread`, { token: alice.token });
      expect(thread.body).toEqual([]);
    });

    test("posting needs write access (non-strict): readers only get 403 and nothing is stored", async () => {
      const before = await contents(admin, readOnly);
      for (const [who, channelId] of [[alice, readOnly], [bob, readOnly], [bob, secret]] as const) {
        const res = await post(who, channelId, { content: "let me in" });
        expect(res).toMatchObject({ status: 403, body: { detail: "Something went wrong :/" } });
      }
      expect(await contents(admin, readOnly)).toEqual(before);
      expect((await post(carol, readOnly, { content: "news" })).status).toBe(200);
      expect((await post(admin, readOnly, { content: "admin news" })).status).toBe(200);
      expect(await contents(alice, readOnly)).toEqual(["admin news", "news"]);
      expect((await post(alice, "no-such-channel", { content: "x" })).status).toBe(404);
    });

    test("bad input: 422 for malformed bodies and pages; 400 for a thread or reply into another channel", async () => {
      const before = await contents(admin, open);
      for (const body of [{}, { content: 5 }, { content: "x", data: "text" }, { content: "x", parent_id: 3 }]) {
        expect((await post(alice, open, body)).status).toBe(422);
      }
      for (const query of ["?skip=-1", "?limit=abc", "?limit=-5"]) {
        expect((await t.request("GET", `${base(open)}${query}`, { token: alice.token })).status).toBe(422);
      }
      const elsewhere = (await post(admin, secret, { content: "x" })).body;
      for (const link of [{ parent_id: elsewhere.id }, { reply_to_id: elsewhere.id }, { parent_id: "no-such" }]) {
        expect((await post(alice, open, { content: "sneaky", ...link })).status).toBe(400);
      }
      expect(await contents(admin, open)).toEqual(before);
      const message = (await list(admin, open))[0];
      const reaction = await t.request("POST", `${base(open)}/${message.id}/reactions/add`, { token: alice.token, body: { name: 1 } });
      expect(reaction.status).toBe(422);
    });

    test("POST messages/{id}/update: the author or an admin; content replaced, data and meta merged", async () => {
      const message = (await post(alice, open, { content: "draft", data: { a: 1 }, meta: { m: 1 } })).body;
      const path = `${base(open)}/${message.id}/update`;
      for (const who of [bob, carol]) {
        const res = await t.request("POST", path, { token: who.token, body: { content: "defaced" } });
        expect(res).toMatchObject({ status: 403, body: { detail: "Something went wrong :/" } });
      }
      expect((await t.request("GET", `${base(open)}/${message.id}`, { token: alice.token })).body.content).toBe("draft");

      const res = await t.request("POST", path, { token: alice.token, body: { content: "final", data: { b: 2 }, parent_id: "ignored" } });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(MESSAGE_KEYS);
      expect(res.body).toMatchObject({ content: "final", data: { a: 1, b: 2 }, meta: { m: 1 }, parent_id: null, created_at: message.created_at });
      expect(res.body.updated_at).toBeGreaterThan(message.updated_at);
      const byAdmin = await t.request("POST", path, { token: admin.token, body: { content: "moderated", meta: { n: 2 } } });
      expect(byAdmin.body).toMatchObject({ content: "moderated", user_id: alice.id, meta: { m: 1, n: 2 } });

      expect((await t.request("POST", `${base(open)}/no-such/update`, { token: alice.token, body: { content: "x" } })).status).toBe(404);
      const elsewhere = (await post(admin, secret, { content: "x" })).body;
      const crossed = await t.request("POST", `${base(open)}/${elsewhere.id}/update`, { token: admin.token, body: { content: "x" } });
      expect(crossed.status).toBe(400);
      expect((await t.request("POST", path, { token: alice.token, body: { data: {} } })).status).toBe(422);
    });

    test("reactions: writers add and remove their own; readers only get 403", async () => {
      const message = (await post(carol, readOnly, { content: "react to me" })).body;
      const path = (action: string) => `${base(readOnly)}/${message.id}/reactions/${action}`;
      const reactions = async () => (await t.request("GET", `${base(readOnly)}/${message.id}`, { token: admin.token })).body.reactions;

      expect((await t.request("POST", path("add"), { token: alice.token, body: { name: "eyes" } })).status).toBe(403);
      expect((await t.request("POST", path("add"), { token: bob.token, body: { name: "eyes" } })).status).toBe(403);
      expect(await reactions()).toEqual([]);
      const added = await t.request("POST", path("add"), { token: carol.token, body: { name: "eyes" } });
      expect(added).toMatchObject({ status: 200, body: true });
      await t.request("POST", path("add"), { token: admin.token, body: { name: "eyes" } });
      expect(await reactions()).toEqual([{ name: "eyes", user_ids: [carol.id, admin.id], count: 2 }]);

      // A reader cannot take away someone else's reaction; removing removes only the caller's own.
      expect((await t.request("POST", path("remove"), { token: alice.token, body: { name: "eyes" } })).status).toBe(403);
      expect((await t.request("POST", path("remove"), { token: carol.token, body: { name: "eyes" } })).body).toBe(true);
      expect(await reactions()).toEqual([{ name: "eyes", user_ids: [admin.id], count: 1 }]);

      expect((await t.request("POST", `${base(readOnly)}/no-such/reactions/add`, { token: carol.token, body: { name: "x" } })).status).toBe(404);
      const elsewhere = (await post(admin, secret, { content: "x" })).body;
      const crossed = await t.request("POST", `${base(readOnly)}/${elsewhere.id}/reactions/add`, { token: carol.token, body: { name: "x" } });
      expect(crossed.status).toBe(400);
    });

    test("DELETE messages/{id}/delete: the author or an admin; its reactions go, its replies stay", async () => {
      const message = (await post(alice, open, { content: "regret" })).body;
      const reply = (await post(bob, open, { content: "quoted", parent_id: message.id })).body;
      await t.request("POST", `${base(open)}/${message.id}/reactions/add`, { token: bob.token, body: { name: "x" } });
      const path = `${base(open)}/${message.id}/delete`;
      for (const who of [bob, carol]) expect((await t.request("DELETE", path, { token: who.token })).status).toBe(403);
      expect((await t.request("GET", `${base(open)}/${message.id}`, { token: bob.token })).status).toBe(200);

      const res = await t.request("DELETE", path, { token: alice.token });
      expect(res).toMatchObject({ status: 200, body: true });
      expect((await t.request("GET", `${base(open)}/${message.id}`, { token: bob.token })).status).toBe(404);
      expect((await t.request("DELETE", path, { token: alice.token })).status).toBe(404);
      expect((await t.request("GET", `${base(open)}/${reply.id}`, { token: bob.token })).status).toBe(200);

      const bobs = (await post(bob, open, { content: "spam" })).body;
      expect((await t.request("DELETE", `${base(open)}/${bobs.id}/delete`, { token: admin.token })).status).toBe(200);
      const elsewhere = (await post(admin, secret, { content: "x" })).body;
      expect((await t.request("DELETE", `${base(open)}/${elsewhere.id}/delete`, { token: admin.token })).status).toBe(400);
      expect((await t.request("GET", `${base(secret)}/${elsewhere.id}`, { token: admin.token })).status).toBe(200);
    });
  });
}
