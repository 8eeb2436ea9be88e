// /api/v1/notes read routes on both databases: the features.notes permission, notes the caller
// may write (GET / and /list, with pages), reading one note, other users' notes, exact
// nanosecond timestamps.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { addUser, signUp, type Account } from "../support/accounts";
import { dialects } from "../support/databases";
import { createGroup, grants, insertNote, nanoseconds } from "../support/workspace";

for (const dialect of dialects) {
  describe(dialect, () => {
    let t: TestApp;
    let admin: Account;
    let alice: Account;
    let bob: Account;
    let carol: Account;
    let dave: Account;
    const notes: Record<string, { id: string; updated_at: bigint }> = {};

    const titles = async (who: Account, path: string) =>
      (await t.request("GET", `/api/v1/notes${path}`, { token: who.token })).body.map((n: any) => n.title);
    const one = (who: Account, name: string) => t.request("GET", `/api/v1/notes/${notes[name]!.id}`, { token: who.token });

    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = await signUp(t, "admin@example.com", "pw", "Admin");
      alice = await addUser(t, admin, "alice@example.com");
      bob = await addUser(t, admin, "bob@example.com");
      carol = await addUser(t, admin, "carol@example.com");
      dave = await addUser(t, admin, "dave@example.com");
      const editors = await createGroup(t, admin, "Editors", [carol]);
      notes.private = await insertNote(t, { user_id: alice.id, title: "private", access_control: {} });
      notes.public = await insertNote(t, { user_id: alice.id, title: "public", access_control: null });
      notes.shared = await insertNote(t, {
        user_id: alice.id,
        title: "shared",
        access_control: grants({ users: [bob.id] }, { groups: [editors] }),
      });
      notes.admins = await insertNote(t, { user_id: admin.id, title: "admin's", access_control: {} });
      const base = nanoseconds();
      for (let i = 0; i < 65; i++) await insertNote(t, { user_id: dave.id, title: `dave ${i}`, updated_at: base + BigInt(i) * 1000n });
    }, 30_000);
    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    test("GET / lists the notes the caller may write, newest first, with their owner", async () => {
      expect(await titles(alice, "/")).toEqual(["shared", "public", "private"]);
      // Bob may only read "shared"; a public note is read-only for others.
      expect(await titles(bob, "/")).toEqual([]);
      expect(await titles(carol, "/")).toEqual(["shared"]);
      // No admin bypass on this list, as the reference.
      expect(await titles(admin, "/")).toEqual(["admin's"]);

      const [shared] = (await t.request("GET", "/api/v1/notes/", { token: carol.token })).body;
      expect(Object.keys(shared)).toEqual([
        "id", "user_id", "title", "data", "meta", "access_control", "created_at", "updated_at", "user",
      ]);
      expect(shared).toMatchObject({
        user_id: alice.id,
        data: { content: { json: null, html: "<p>x</p>", md: "x" } },
        meta: null,
        user: { id: alice.id, name: "alice", email: "alice@example.com", role: "user", profile_image_url: "/user.png" },
      });
    });

    test("GET /list: titles and times, 60 a page when a page is asked for", async () => {
      const all = (await t.request("GET", "/api/v1/notes/list", { token: dave.token })).body;
      expect(all.length).toBe(65);
      expect(Object.keys(all[0])).toEqual(["id", "title", "updated_at", "created_at"]);
      expect(all[0].title).toBe("dave 64");
      const first = await titles(dave, "/list?page=1");
      expect(first.length).toBe(60);
      expect(first[0]).toBe("dave 64");
      expect(await titles(dave, "/list?page=2")).toEqual(["dave 4", "dave 3", "dave 2", "dave 1", "dave 0"]);
      expect(await titles(dave, "/list?page=3")).toEqual([]);
      expect(await titles(carol, "/list?page=1")).toEqual(["shared"]);
    });

    test("nanosecond timestamps come out digit for digit", async () => {
      const res = await one(alice, "shared");
      expect(res.text).toContain(`"created_at":${notes.shared!.updated_at}`);
      expect(res.text).toContain(`"updated_at":${notes.shared!.updated_at}`);
      const list = await t.request("GET", "/api/v1/notes/list", { token: carol.token });
      expect(list.text).toContain(`"updated_at":${notes.shared!.updated_at}`);
    });

    test("GET /{id}: owner, readers and admins; others get 403 and nothing of the note", async () => {
      expect((await one(alice, "private")).body.title).toBe("private");
      expect((await one(bob, "shared")).body.title).toBe("shared");
      expect((await one(dave, "public")).body.title).toBe("public");
      expect((await one(admin, "private")).body.title).toBe("private");
      for (const [who, name] of [[bob, "private"], [dave, "shared"], [alice, "admins"]] as const) {
        const res = await one(who, name);
        expect(res.status).toBe(403);
        expect(res.body).toEqual({ detail: "Something went wrong :/" });
      }
      const missing = await t.request("GET", "/api/v1/notes/no-such-note", { token: alice.token });
      expect(missing.status).toBe(404);
      expect(missing.body.detail).toBe("We could not find what you're looking for :/");
    });

    test("without features.notes a user gets 401 on every route; a group can grant it; admins keep it", async () => {
      const defaults = (await t.request("GET", "/api/v1/users/default/permissions", { token: admin.token })).body;
      const off = { ...defaults, features: { ...defaults.features, notes: false } };
      expect((await t.request("POST", "/api/v1/users/default/permissions", { token: admin.token, body: off })).status).toBe(200);
      try {
        for (const path of ["/", "/list", `/${notes.public!.id}`]) {
          const res = await t.request("GET", `/api/v1/notes${path}`, { token: bob.token });
          expect(res.status).toBe(401);
          expect(res.body.detail).toBe("401 Unauthorized");
          expect((await t.request("GET", `/api/v1/notes${path}`, { token: admin.token })).status).toBe(200);
        }
        await createGroup(t, admin, "Note takers", [bob], { features: { notes: true } });
        expect((await one(bob, "shared")).status).toBe(200);
      } finally {
        await t.request("POST", "/api/v1/users/default/permissions", { token: admin.token, body: defaults });
      }
    });

    test("bad input is a 4xx", async () => {
      const res = await t.request("GET", "/api/v1/notes/list?page=abc", { token: alice.token });
      expect(res.status).toBe(422);
      expect(res.body.detail).toBeDefined();
      expect((await t.request("GET", "/api/v1/notes/list?page=1.5", { token: alice.token })).status).toBe(422);
    });

    test("note writes are absent", async () => {
      expect((await t.request("POST", "/api/v1/notes/create", { token: alice.token, body: { title: "x" } })).status).toBe(404);
      expect((await t.request("DELETE", `/api/v1/notes/${notes.private!.id}/delete`, { token: alice.token })).status).toBe(404);
      expect((await one(alice, "private")).status).toBe(200);
    });
  });
}
