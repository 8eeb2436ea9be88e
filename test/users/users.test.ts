// /api/v1/users on both databases.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { eq } from "drizzle-orm";
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
      alice = await addUser(t, admin, "alice@example.com", "user");
      bob = await addUser(t, admin, "bob@example.com", "user");
    });
    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    test("the admin's table: paging, search, order, total", async () => {
      const all = await t.request("GET", "/api/v1/users/", { token: admin.token });
      expect(all.body.total).toBe(3);
      expect(all.body.users.map((u: any) => u.email)).toContain("alice@example.com");
      expect(Object.keys(all.body.users[0]).sort()).toEqual(
        ["api_key", "bio", "created_at", "date_of_birth", "email", "gender", "id", "info", "last_active_at", "name", "oauth_sub", "profile_image_url", "role", "settings", "updated_at", "username"].sort(),
      );
      const search = await t.request("GET", "/api/v1/users/?query=ALI", { token: admin.token });
      expect(search.body.users.map((u: any) => u.email)).toEqual(["alice@example.com"]);
      expect(search.body.total).toBe(3);
      const byName = await t.request("GET", "/api/v1/users/?order_by=email&direction=asc", { token: admin.token });
      expect(byName.body.users.map((u: any) => u.email)).toEqual(["admin@example.com", "alice@example.com", "bob@example.com"]);
      expect((await t.request("GET", "/api/v1/users/?page=2", { token: admin.token })).body.users).toEqual([]);
      expect((await t.request("GET", "/api/v1/users/?page=zero", { token: admin.token })).status).toBe(422);
      expect((await t.request("GET", "/api/v1/users/all", { token: admin.token })).body.users).toHaveLength(3);
      const picker = await t.request("GET", "/api/v1/users/search?query=bob", { token: alice.token });
      expect(picker.body.users).toEqual([{ id: bob.id, name: "bob" }]);
    });

    test("role change through update, and the user then has that role", async () => {
      const pending = await addUser(t, admin, "carol@example.com", "pending");
      expect((await t.request("GET", "/api/v1/users/permissions", { token: pending.token })).status).toBe(401);
      const res = await t.request("POST", `/api/v1/users/${pending.id}/update`, {
        token: admin.token,
        body: { role: "user", name: "Carol", email: "carol@example.com", profile_image_url: "/user.png" },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: pending.id, role: "user", name: "Carol" });
      expect((await t.request("GET", "/api/v1/users/permissions", { token: pending.token })).status).toBe(200);
    });

    test("update: e-mail taken, unknown user, bad role, password change", async () => {
      const body = { role: "user", name: "Bob", email: "alice@example.com", profile_image_url: "/user.png" };
      const taken = await t.request("POST", `/api/v1/users/${bob.id}/update`, { token: admin.token, body });
      expect(taken.status).toBe(400);
      const missing = await t.request("POST", "/api/v1/users/nobody/update", { token: admin.token, body: { ...body, email: "n@example.com" } });
      expect(missing.status).toBe(400);
      expect(missing.body.detail).toBe("We could not find what you're looking for :/");
      const badRole = await t.request("POST", `/api/v1/users/${bob.id}/update`, { token: admin.token, body: { ...body, role: "root" } });
      expect(badRole.status).toBe(422);
      const pw = await t.request("POST", `/api/v1/users/${bob.id}/update`, {
        token: admin.token,
        body: { ...body, email: "bob@example.com", password: "reset-pass" },
      });
      expect(pw.status).toBe(200);
      expect((await t.request("POST", "/api/v1/auths/signin", { body: { email: "bob@example.com", password: "reset-pass" } })).status).toBe(200);
    });

    test("the primary admin cannot be demoted or deleted, nor can admins delete themselves", async () => {
      const second = await addUser(t, admin, "second-admin@example.com", "admin");
      const demote = await t.request("POST", `/api/v1/users/${admin.id}/update`, {
        token: second.token,
        body: { role: "user", name: "Admin", email: admin.email, profile_image_url: "/user.png" },
      });
      expect(demote.status).toBe(403);
      expect(demote.body.detail).toBe("The requested action has been restricted as a security measure.");
      const selfDemote = await t.request("POST", `/api/v1/users/${admin.id}/update`, {
        token: admin.token,
        body: { role: "user", name: "Admin", email: admin.email, profile_image_url: "/user.png" },
      });
      expect(selfDemote.status).toBe(403);
      expect((await t.request("DELETE", `/api/v1/users/${admin.id}`, { token: second.token })).status).toBe(403);
      expect((await t.request("DELETE", `/api/v1/users/${second.id}`, { token: second.token })).status).toBe(403);
      expect((await t.request("GET", "/api/v1/auths/", { token: admin.token })).body.role).toBe("admin");
    });

    test("deleting a user removes the account and what it owns", async () => {
      const doomed = await addUser(t, admin, "doomed@example.com");
      const now = Math.floor(Date.now() / 1000);
      const { chat, folder, memory } = t.ctx.db.t;
      await t.ctx.db.write(async (tx) => {
        await tx.insert(chat).values({ id: "c-doomed", user_id: doomed.id, title: "x", share_id: "s-doomed", archived: false, created_at: now, updated_at: now, chat: {}, pinned: false, meta: {}, folder_id: null });
        await tx.insert(chat).values({ id: "s-doomed", user_id: "shared-c-doomed", title: "x", share_id: null, archived: false, created_at: now, updated_at: now, chat: {}, pinned: false, meta: {}, folder_id: null });
        await tx.insert(chat).values({ id: "c-alice", user_id: alice.id, title: "kept", share_id: null, archived: false, created_at: now, updated_at: now, chat: {}, pinned: false, meta: {}, folder_id: null });
        await tx.insert(folder).values({ id: "f-doomed", parent_id: null, user_id: doomed.id, name: "f", items: null, meta: null, is_expanded: false, created_at: now, updated_at: now, data: null });
        await tx.insert(memory).values({ id: "m-doomed", user_id: doomed.id, content: "x", updated_at: now, created_at: now });
      });
      const group = await t.request("POST", "/api/v1/groups/create", { token: admin.token, body: { name: "G", description: "" } });
      await t.request("POST", `/api/v1/groups/id/${group.body.id}/users/add`, { token: admin.token, body: { user_ids: [doomed.id, alice.id] } });

      const res = await t.request("DELETE", `/api/v1/users/${doomed.id}`, { token: admin.token });
      expect(res.body).toBe(true);
      const count = async (sql: string) => Number((await t.ctx.db.execute(sql))[0]?.n);
      expect(await count(`SELECT count(*) AS n FROM chat WHERE id IN ('c-doomed', 's-doomed')`)).toBe(0);
      expect(await count(`SELECT count(*) AS n FROM chat WHERE id = 'c-alice'`)).toBe(1);
      expect(await count(`SELECT count(*) AS n FROM folder WHERE user_id = '${doomed.id}'`)).toBe(0);
      expect(await count(`SELECT count(*) AS n FROM memory WHERE user_id = '${doomed.id}'`)).toBe(0);
      expect(await count(`SELECT count(*) AS n FROM auth WHERE id = '${doomed.id}'`)).toBe(0);
      const after = await t.request("GET", `/api/v1/groups/id/${group.body.id}`, { token: admin.token });
      expect(after.body.user_ids).toEqual([alice.id]);
      expect((await t.request("GET", "/api/v1/auths/", { token: doomed.token })).status).toBe(401);
      expect((await t.request("DELETE", `/api/v1/users/${doomed.id}`, { token: admin.token })).status).toBe(400);
    });

    test("a user cannot edit or delete another user", async () => {
      const update = await t.request("POST", `/api/v1/users/${bob.id}/update`, {
        token: alice.token,
        body: { role: "admin", name: "Pwned", email: "bob@example.com", profile_image_url: "/user.png" },
      });
      expect(update.status).toBe(401);
      expect((await t.request("DELETE", `/api/v1/users/${bob.id}`, { token: alice.token })).status).toBe(401);
      expect((await t.request("GET", `/api/v1/users/${bob.id}/groups`, { token: alice.token })).status).toBe(401);
      expect((await t.request("GET", `/api/v1/users/${bob.id}/oauth/sessions`, { token: alice.token })).status).toBe(401);
      const me = (await t.request("GET", "/api/v1/users/", { token: admin.token })).body.users.find((u: any) => u.id === bob.id);
      expect(me.role).toBe("user");
      expect(me.name).toBe("Bob");
    });

    test("settings: null for a new user, top-level replace, tool servers need permission", async () => {
      expect((await t.request("GET", "/api/v1/users/user/settings", { token: alice.token })).body).toBeNull();
      const saved = await t.request("POST", "/api/v1/users/user/settings/update", {
        token: alice.token,
        body: { ui: { theme: "dark", toolServers: [{ url: "http://x" }] }, extra: 1 },
      });
      expect(saved.body).toEqual({ ui: { theme: "dark" }, extra: 1 });
      const next = await t.request("POST", "/api/v1/users/user/settings/update", { token: alice.token, body: { ui: { models: ["m"] } } });
      expect(next.body).toEqual({ ui: { models: ["m"] }, extra: 1 });
      expect((await t.request("GET", "/api/v1/users/user/settings", { token: alice.token })).body).toEqual({ ui: { models: ["m"] }, extra: 1 });
      expect((await t.request("GET", "/api/v1/users/user/settings", { token: bob.token })).body).toBeNull();
      const adminTools = await t.request("POST", "/api/v1/users/user/settings/update", { token: admin.token, body: { ui: { toolServers: [1] } } });
      expect(adminTools.body.ui.toolServers).toEqual([1]);
      expect((await t.request("POST", "/api/v1/users/user/settings/update", { token: alice.token, body: { ui: "dark" } })).status).toBe(422);
    });

    test("settings as the reference shapes them: ui may be null, and is {} when it was never saved", async () => {
      const nulled = await t.request("POST", "/api/v1/users/user/settings/update", { token: bob.token, body: { ui: null } });
      expect(nulled.status).toBe(200);
      expect(nulled.body.ui).toBeNull();
      expect((await t.request("GET", "/api/v1/users/user/settings", { token: bob.token })).body.ui).toBeNull();
      // Written by another client without `ui`.
      await t.ctx.db.write((tx) => tx.update(t.ctx.db.t.user).set({ settings: { theme: "dark" } }).where(eq(t.ctx.db.t.user.id, bob.id)));
      expect((await t.request("GET", "/api/v1/users/user/settings", { token: bob.token })).body).toEqual({ ui: {}, theme: "dark" });
      const saved = await t.request("POST", "/api/v1/users/user/settings/update", { token: bob.token, body: { ui: { models: ["m"] } } });
      expect(saved.body).toEqual({ ui: { models: ["m"] }, theme: "dark" });
    });

    test("info is merged", async () => {
      expect((await t.request("GET", "/api/v1/users/user/info", { token: alice.token })).body).toBeNull();
      await t.request("POST", "/api/v1/users/user/info/update", { token: alice.token, body: { location: "Oslo" } });
      const merged = await t.request("POST", "/api/v1/users/user/info/update", { token: alice.token, body: { lang: "no" } });
      expect(merged.body).toEqual({ location: "Oslo", lang: "no" });
    });

    test("public user card and profile image", async () => {
      const card = await t.request("GET", `/api/v1/users/${bob.id}`, { token: alice.token });
      expect(card.body).toEqual({ name: "Bob", profile_image_url: "/user.png", active: false });
      expect((await t.request("GET", "/api/v1/users/nobody", { token: alice.token })).status).toBe(400);
      await t.request("POST", "/api/v1/auths/update/profile", {
        token: bob.token,
        body: { name: "Bob", profile_image_url: `data:image/png;base64,${Buffer.from("PNGDATA").toString("base64")}` },
      });
      const image = await t.request("GET", `/api/v1/users/${bob.id}/profile/image`, { token: alice.token });
      expect(image.headers.get("content-type")).toBe("image/png");
      expect(image.text).toBe("PNGDATA");
      await t.request("POST", "/api/v1/auths/update/profile", { token: bob.token, body: { name: "bob", profile_image_url: "https://img.example/b.png" } });
      const redirect = await t.request("GET", `/api/v1/users/${bob.id}/profile/image`, { token: alice.token });
      expect(redirect.status).toBe(302);
      expect(redirect.headers.get("location")).toBe("https://img.example/b.png");
    });

    test("default permissions: pydantic fallbacks on read, saved in Open WebUI's layout", async () => {
      const defaults = (await t.request("GET", "/api/v1/users/default/permissions", { token: admin.token })).body;
      expect(defaults.workspace.models).toBe(false);
      expect(defaults.chat.temporary_enforced).toBe(false);
      const saved = await t.request("POST", "/api/v1/users/default/permissions", {
        token: admin.token,
        body: { ...defaults, workspace: { ...defaults.workspace, models: true } },
      });
      expect(saved.body.workspace.models).toBe(true);
      expect((await t.request("GET", "/api/v1/users/permissions", { token: alice.token })).body.workspace.models).toBe(true);
      expect((await t.request("POST", "/api/v1/users/default/permissions", { token: admin.token, body: { workspace: {} } })).status).toBe(422);
      expect((await t.request("POST", "/api/v1/users/default/permissions", { token: alice.token, body: defaults })).status).toBe(401);
      await t.request("POST", "/api/v1/users/default/permissions", { token: admin.token, body: defaults });
    });
  });
}
