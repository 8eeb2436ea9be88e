// /api/v1/groups on both databases, and permissions merged from groups.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { addUser, signUp, type Account } from "../support/accounts";
import { dialects } from "../support/databases";

for (const dialect of dialects) {
  describe(dialect, () => {
    let t: TestApp;
    let admin: Account;
    let alice: Account;
    let bob: Account;
    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = await signUp(t, "admin@example.com", "pw", "Admin");
      alice = await addUser(t, admin, "alice@example.com");
      bob = await addUser(t, admin, "bob@example.com");
    });
    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    test("create, read, update members and permissions, delete", async () => {
      const created = await t.request("POST", "/api/v1/groups/create", {
        token: admin.token,
        body: { name: "Research", description: "R&D", permissions: { workspace: { knowledge: true } } },
      });
      expect(created.status).toBe(200);
      expect(created.body).toMatchObject({ name: "Research", description: "R&D", user_ids: [], user_id: admin.id });
      const id = created.body.id;

      const added = await t.request("POST", `/api/v1/groups/id/${id}/users/add`, {
        token: admin.token,
        body: { user_ids: [alice.id, alice.id, "not-a-user"] },
      });
      expect(added.body.user_ids).toEqual([alice.id]);
      const stored = await t.ctx.db.execute(`SELECT user_ids FROM "group" WHERE id = '${id}'`);
      const raw = stored[0]?.user_ids;
      expect(typeof raw === "string" ? JSON.parse(raw) : raw).toEqual([alice.id]);

      // Effective permissions: a group grants; it never revokes a default true.
      expect((await t.request("GET", "/api/v1/users/permissions", { token: alice.token })).body.workspace.knowledge).toBe(true);
      expect((await t.request("GET", "/api/v1/users/permissions", { token: bob.token })).body.workspace.knowledge).toBe(false);
      const session = await t.request("GET", "/api/v1/auths/", { token: alice.token });
      expect(session.body.permissions.workspace.knowledge).toBe(true);

      const updated = await t.request("POST", `/api/v1/groups/id/${id}/update`, {
        token: admin.token,
        body: { name: "Research 2", description: "", permissions: { chat: { delete: false } }, user_ids: [alice.id, bob.id] },
      });
      expect(updated.body).toMatchObject({ name: "Research 2", user_ids: [alice.id, bob.id] });
      expect((await t.request("GET", "/api/v1/users/permissions", { token: bob.token })).body.chat.delete).toBe(true);

      expect((await t.request("GET", "/api/v1/users/groups", { token: bob.token })).body.map((g: any) => g.id)).toEqual([id]);
      expect((await t.request("GET", `/api/v1/users/${bob.id}/groups`, { token: admin.token })).body.map((g: any) => g.id)).toEqual([id]);

      const removed = await t.request("POST", `/api/v1/groups/id/${id}/users/remove`, { token: admin.token, body: { user_ids: [bob.id] } });
      expect(removed.body.user_ids).toEqual([alice.id]);

      expect((await t.request("DELETE", `/api/v1/groups/id/${id}/delete`, { token: admin.token })).body).toBe(true);
      const gone = await t.request("GET", `/api/v1/groups/id/${id}`, { token: admin.token });
      expect(gone.status).toBe(401);
      expect(gone.body.detail).toBe("We could not find what you're looking for :/");
      expect((await t.request("DELETE", `/api/v1/groups/id/${id}/delete`, { token: admin.token })).status).toBe(400);
    });

    test("members see only their groups; only admins manage groups", async () => {
      const mine = await t.request("POST", "/api/v1/groups/create", { token: admin.token, body: { name: "Mine", description: "" } });
      const other = await t.request("POST", "/api/v1/groups/create", { token: admin.token, body: { name: "Other", description: "" } });
      await t.request("POST", `/api/v1/groups/id/${mine.body.id}/users/add`, { token: admin.token, body: { user_ids: [alice.id] } });

      expect((await t.request("GET", "/api/v1/groups/", { token: alice.token })).body.map((g: any) => g.name)).toEqual(["Mine"]);
      expect((await t.request("GET", "/api/v1/groups/", { token: admin.token })).body.length).toBeGreaterThanOrEqual(2);

      const attempts = [
        t.request("POST", "/api/v1/groups/create", { token: alice.token, body: { name: "X", description: "" } }),
        t.request("GET", `/api/v1/groups/id/${other.body.id}`, { token: alice.token }),
        t.request("POST", `/api/v1/groups/id/${other.body.id}/update`, { token: alice.token, body: { name: "Hijacked", description: "", user_ids: [alice.id] } }),
        t.request("POST", `/api/v1/groups/id/${other.body.id}/users/add`, { token: alice.token, body: { user_ids: [alice.id] } }),
        t.request("POST", `/api/v1/groups/id/${mine.body.id}/users/remove`, { token: alice.token, body: { user_ids: [alice.id] } }),
        t.request("DELETE", `/api/v1/groups/id/${other.body.id}/delete`, { token: alice.token }),
      ];
      for (const res of await Promise.all(attempts)) expect(res.status).toBe(401);
      const check = await t.request("GET", `/api/v1/groups/id/${other.body.id}`, { token: admin.token });
      expect(check.body).toMatchObject({ name: "Other", user_ids: [] });
      expect((await t.request("GET", `/api/v1/groups/id/${mine.body.id}`, { token: admin.token })).body.user_ids).toEqual([alice.id]);
    });

    test("bad input is a 4xx", async () => {
      expect((await t.request("POST", "/api/v1/groups/create", { token: admin.token, body: { description: "" } })).status).toBe(422);
      expect((await t.request("POST", "/api/v1/groups/id/none/users/add", { token: admin.token, body: { user_ids: [alice.id] } })).status).toBe(400);
      expect((await t.request("POST", "/api/v1/groups/id/none/update", { token: admin.token, body: { name: "n", description: "" } })).status).toBe(400);
    });
  });
}
