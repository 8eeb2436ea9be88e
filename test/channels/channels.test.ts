// /api/v1/channels on both databases: who sees which channel, write_access with the reference's
// non-strict rule, exact nanosecond timestamps, other users' private channels, and the admin-only
// create, update and delete.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { addUser, signUp, type Account } from "../support/accounts";
import { dialects } from "../support/databases";
import { createGroup, grants, insertChannel } from "../support/workspace";

for (const dialect of dialects) {
  describe(dialect, () => {
    let t: TestApp;
    let admin: Account;
    let alice: Account;
    let bob: Account;
    const channels: Record<string, { id: string; created_at: bigint }> = {};

    const names = async (who: Account, path: string) =>
      (await t.request("GET", `/api/v1/channels${path}`, { token: who.token })).body.map((c: any) => c.name);
    const one = (who: Account, name: string) => t.request("GET", `/api/v1/channels/${channels[name]!.id}`, { token: who.token });

    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = await signUp(t, "admin@example.com", "pw", "Admin");
      alice = await addUser(t, admin, "alice@example.com");
      bob = await addUser(t, admin, "bob@example.com");
      const team = await createGroup(t, admin, "Team", [alice]);
      channels.general = await insertChannel(t, { user_id: admin.id, name: "general", access_control: null });
      channels.staff = await insertChannel(t, { user_id: admin.id, name: "staff", access_control: {} });
      channels.team = await insertChannel(t, { user_id: admin.id, name: "team", access_control: grants({ groups: [team] }) });
      channels.posting = await insertChannel(t, {
        user_id: admin.id,
        name: "posting",
        access_control: grants({ users: [bob.id] }, { users: [bob.id] }),
      });
      // A channel made by Alice back when she was an admin: she still owns it.
      channels.own = await insertChannel(t, { user_id: alice.id, name: "own", access_control: {} });
    }, 30_000);
    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    test("GET / and /list: channels the caller owns or may read; /list is all of them for admins", async () => {
      expect(await names(alice, "/")).toEqual(["general", "team", "own"]);
      expect(await names(bob, "/")).toEqual(["general", "posting"]);
      expect(await names(bob, "/list")).toEqual(["general", "posting"]);
      expect(await names(admin, "/")).toEqual(["general", "staff", "team", "posting"]);
      expect(await names(admin, "/list")).toEqual(["general", "staff", "team", "posting", "own"]);

      const [general] = (await t.request("GET", "/api/v1/channels/", { token: bob.token })).body;
      expect(Object.keys(general)).toEqual([
        "id", "user_id", "type", "name", "description", "data", "meta", "access_control", "created_at", "updated_at",
      ]);
    });

    test("nanosecond timestamps come out digit for digit", async () => {
      const res = await t.request("GET", "/api/v1/channels/", { token: bob.token });
      const expected = channels.general!.created_at.toString();
      expect(res.text).toContain(`"created_at":${expected}`);
      expect(res.text).toContain(`"updated_at":${expected}`);
    });

    test("GET /{id}: read access decides, write_access as the reference", async () => {
      // Public: everyone may read and post.
      expect((await one(bob, "general")).body).toMatchObject({ name: "general", write_access: true });
      // Read and write granted to Bob.
      expect((await one(bob, "posting")).body.write_access).toBe(true);
      // Read through a group only: no write.
      expect((await one(alice, "team")).body).toMatchObject({ name: "team", write_access: false });
      // Admins always.
      expect((await one(admin, "staff")).body.write_access).toBe(true);
    });

    test("another user's private channel: 403, and nothing of it in the answer", async () => {
      for (const [who, name] of [[bob, "staff"], [bob, "team"], [alice, "posting"], [bob, "own"]] as const) {
        const res = await one(who, name);
        expect(res.status).toBe(403);
        expect(res.body).toEqual({ detail: "Something went wrong :/" });
      }
      // As the reference, the owner of a channel gets no shortcut: the grant alone decides.
      expect((await one(alice, "own")).status).toBe(403);
      const missing = await t.request("GET", "/api/v1/channels/no-such-channel", { token: alice.token });
      expect(missing.status).toBe(404);
      expect(missing.body.detail).toBe("We could not find what you're looking for :/");
    });

    test("POST /create (admins): the name lowercased, public without access_control; others get 401", async () => {
      const before = await names(admin, "/list");
      const refused = await t.request("POST", "/api/v1/channels/create", { token: alice.token, body: { name: "Mine" } });
      expect(refused.status).toBe(401);
      expect(await names(admin, "/list")).toEqual(before);

      const res = await t.request("POST", "/api/v1/channels/create", {
        token: admin.token,
        body: { name: "Random Talk", description: "anything", id: "chosen", user_id: alice.id, created_at: 1 },
      });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual([
        "id", "user_id", "type", "name", "description", "data", "meta", "access_control", "created_at", "updated_at",
      ]);
      expect(res.body).toMatchObject({ user_id: admin.id, type: null, name: "random talk", description: "anything", access_control: null });
      expect(res.body.id).not.toBe("chosen");
      expect(res.body.created_at).toBeGreaterThan(1e18);
      expect((await one(bob, "general")).status).toBe(200);
      expect((await t.request("GET", `/api/v1/channels/${res.body.id}`, { token: bob.token })).body.write_access).toBe(true);
    });

    test("POST /create and /{id}/update refuse bad input with 422 and change nothing", async () => {
      for (const body of [{}, { name: 3 }, { name: "x", access_control: "everyone" }, { name: "x", data: [1] }]) {
        const res = await t.request("POST", "/api/v1/channels/create", { token: admin.token, body });
        expect(res.status).toBe(422);
        const update = await t.request("POST", `/api/v1/channels/${channels.general!.id}/update`, { token: admin.token, body });
        expect(update.status).toBe(422);
      }
      expect((await one(admin, "general")).body).toMatchObject({ name: "general", access_control: null });
    });

    test("POST /{id}/update (admins): name, data, meta and access_control replaced; description kept", async () => {
      const made = (await t.request("POST", "/api/v1/channels/create", { token: admin.token, body: { name: "ops", description: "d" } })).body;
      const path = `/api/v1/channels/${made.id}/update`;
      expect((await t.request("POST", path, { token: bob.token, body: { name: "hijack" } })).status).toBe(401);
      const res = await t.request("POST", path, {
        token: admin.token,
        body: { name: "Ops Team", description: "new", meta: { topic: "x" }, access_control: grants({ users: [bob.id] }) },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: made.id, name: "Ops Team", description: "d", meta: { topic: "x" }, access_control: grants({ users: [bob.id] }) });
      expect(res.body.created_at).toBe(made.created_at);
      expect(res.body.updated_at).toBeGreaterThan(made.updated_at);
      expect((await t.request("GET", `/api/v1/channels/${made.id}`, { token: alice.token })).status).toBe(403);
      expect((await t.request("GET", `/api/v1/channels/${made.id}`, { token: bob.token })).body.name).toBe("Ops Team");
      // access_control left out makes the channel public again, as in the reference.
      const reopened = await t.request("POST", path, { token: admin.token, body: { name: "ops" } });
      expect(reopened.body.access_control).toBeNull();
      const missing = await t.request("POST", "/api/v1/channels/no-such/update", { token: admin.token, body: { name: "x" } });
      expect(missing.status).toBe(404);
    });

    test("DELETE /{id}/delete (admins): gone for everyone; 404 after", async () => {
      const made = (await t.request("POST", "/api/v1/channels/create", { token: admin.token, body: { name: "temp" } })).body;
      const path = `/api/v1/channels/${made.id}/delete`;
      expect((await t.request("DELETE", path, { token: alice.token })).status).toBe(401);
      expect((await t.request("GET", `/api/v1/channels/${made.id}`, { token: alice.token })).status).toBe(200);
      const res = await t.request("DELETE", path, { token: admin.token });
      expect(res.status).toBe(200);
      expect(res.body).toBe(true);
      expect((await t.request("GET", `/api/v1/channels/${made.id}`, { token: admin.token })).status).toBe(404);
      expect((await t.request("DELETE", path, { token: admin.token })).status).toBe(404);
    });
  });
}
