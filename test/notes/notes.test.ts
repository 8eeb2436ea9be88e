// /api/v1/notes on both databases: the features.notes permission, notes the caller may write
// (GET / and /list, with pages), reading one note, other users' notes, exact nanosecond
// timestamps; create, update and delete with the owner, write grants and admins.
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

    const create = (who: Account, body: unknown) => t.request("POST", "/api/v1/notes/create", { token: who.token, body });
    const update = (who: Account, id: string, body: unknown) =>
      t.request("POST", `/api/v1/notes/${id}/update`, { token: who.token, body });
    const remove = (who: Account, id: string) => t.request("DELETE", `/api/v1/notes/${id}/delete`, { token: who.token });
    const stored = async (id: string) => {
      const [row] = await t.ctx.db.execute(
        `SELECT title, CAST(data AS TEXT) AS data, CAST(meta AS TEXT) AS meta, CAST(access_control AS TEXT) AS access_control, ` +
          `CAST(created_at AS TEXT) AS created_at, CAST(updated_at AS TEXT) AS updated_at FROM note WHERE id = '${id}'`,
      );
      return row;
    };
    /** What Notes.svelte sends for a new note. */
    const newNote = (title: string) => ({
      title,
      data: { content: { json: null, html: "<p>hi</p>", md: "hi" } },
      meta: null,
      access_control: {},
    });

    test("POST /create: the frontend's new note, owned by the caller, with exact nanosecond times", async () => {
      const before = BigInt(Date.now()) * 1_000_000n;
      const res = await create(alice, newNote("2025-10-01"));
      expect(res.status).toBe(200);
      expect(Object.keys(res.body)).toEqual(["id", "user_id", "title", "data", "meta", "access_control", "created_at", "updated_at"]);
      expect(res.body).toMatchObject({ user_id: alice.id, title: "2025-10-01", data: newNote("").data, meta: null, access_control: {} });
      expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
      const row = await stored(res.body.id);
      expect(row).toMatchObject({ meta: "null", access_control: "{}" });
      expect(BigInt(row!.created_at as string)).toBeGreaterThanOrEqual(before);
      expect(res.text).toContain(`"created_at":${row!.created_at},"updated_at":${row!.updated_at}`);
      expect((await t.request("GET", `/api/v1/notes/${res.body.id}`, { token: alice.token })).body).toEqual(res.body);
      expect(await titles(alice, "/list")).toContain("2025-10-01");
      expect(await titles(bob, "/list")).not.toContain("2025-10-01");
    });

    test("POST /create: a note left public stays public only with sharing.public_notes (or for admins)", async () => {
      const bare = (await create(bob, { title: "bare", extra: 1 })).body;
      expect(bare).toMatchObject({ title: "bare", data: null, meta: null, access_control: {} });
      expect(bare.extra).toBeUndefined();
      expect((await create(bob, { title: "asked public", access_control: null })).body.access_control).toEqual({});
      expect((await create(admin, { title: "admin public" })).body.access_control).toBeNull();
      const sharers = await createGroup(t, admin, "Public sharers", [dave], { sharing: { public_notes: true } });
      expect((await create(dave, { title: "dave public", access_control: null })).body.access_control).toBeNull();
      const granted = grants({ users: [bob.id] });
      expect((await create(bob, { title: "granted", access_control: granted })).body.access_control).toEqual(granted);
      await t.request("DELETE", `/api/v1/groups/id/${sharers}/delete`, { token: admin.token });
    });

    test("POST /{id}/update: title replaced, data and meta merged, access_control replaced", async () => {
      const note = (await create(alice, newNote("draft"))).body;
      const row = await stored(note.id);
      const res = await update(alice, note.id, {
        title: "final",
        data: { files: [{ id: "f1", type: "image" }] },
        meta: { pinned: true },
        access_control: grants({}, { users: [carol.id] }),
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: note.id,
        user_id: alice.id,
        title: "final",
        data: { ...newNote("").data, files: [{ id: "f1", type: "image" }] },
        meta: { pinned: true },
        access_control: grants({}, { users: [carol.id] }),
      });
      const after = await stored(note.id);
      expect(after!.created_at).toBe(row!.created_at);
      expect(BigInt(after!.updated_at as string)).toBeGreaterThan(BigInt(row!.updated_at as string));
      expect(res.text).toContain(`"created_at":${row!.created_at},"updated_at":${after!.updated_at}`);

      // The same update again: merged data keeps what was there.
      const again = await update(alice, note.id, { title: "final", data: { extra: 1 }, access_control: res.body.access_control });
      expect(Object.keys(again.body.data)).toEqual(["content", "files", "extra"]);
    });

    test("update and delete: owner, writers and admins; readers and others get 403 and nothing changes", async () => {
      const editors = await createGroup(t, admin, "Writers", [dave]);
      const note = (await create(alice, { ...newNote("team"), access_control: grants({ users: [bob.id] }, { groups: [editors] }) })).body;
      const before = await stored(note.id);
      for (const who of [bob, carol]) {
        const res = await update(who, note.id, { title: "taken over", access_control: {} });
        expect(res.status).toBe(403);
        expect(res.body).toEqual({ detail: "Something went wrong :/" });
        expect((await remove(who, note.id)).status).toBe(403);
      }
      expect(await stored(note.id)).toEqual(before);

      // A writer (through a group) may change it; keeping the access_control keeps the grants.
      const byWriter = await update(dave, note.id, { title: "team v2", access_control: note.access_control });
      expect(byWriter.body).toMatchObject({ title: "team v2", user_id: alice.id, access_control: note.access_control });
      expect((await update(admin, note.id, { title: "team v3" })).body.title).toBe("team v3");

      for (const who of [alice, admin]) {
        const missing = await update(who, "no-such-note", { title: "x" });
        expect(missing.status).toBe(404);
        expect(missing.body.detail).toBe("We could not find what you're looking for :/");
        expect((await remove(who, "no-such-note")).status).toBe(404);
      }

      expect((await remove(dave, note.id)).body).toBe(true);
      expect((await t.request("GET", `/api/v1/notes/${note.id}`, { token: alice.token })).status).toBe(404);
      const other = (await create(alice, newNote("admin deletes"))).body;
      expect((await remove(admin, other.id)).body).toBe(true);
      expect(await stored(other.id)).toBeUndefined();
    });

    test("update without access_control: a user without sharing.public_notes makes the note private, as the reference", async () => {
      const note = (await create(alice, { ...newNote("shared doc"), access_control: grants({ users: [bob.id] }) })).body;
      expect((await update(alice, note.id, { title: "renamed" })).body.access_control).toEqual({});
      expect((await update(alice, note.id, { title: "public?", access_control: null })).body.access_control).toEqual({});
      const mine = (await create(admin, { ...newNote("admin's doc"), access_control: grants({ users: [bob.id] }) })).body;
      expect((await update(admin, mine.id, { title: "renamed" })).body.access_control).toEqual(grants({ users: [bob.id] }));
      expect((await update(admin, mine.id, { title: "public", access_control: null })).body.access_control).toBeNull();
    });

    test("a note stored without data takes the data of an update", async () => {
      const note = (await create(alice, { title: "empty", access_control: {} })).body;
      const res = await update(alice, note.id, { title: "filled", data: { content: { md: "x" } }, meta: { a: 1 }, access_control: {} });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ data: { content: { md: "x" } }, meta: { a: 1 } });
    });

    test("without features.notes, create, update and delete answer 401 and change nothing", async () => {
      // Bob holds features.notes through a group by now; Carol only through the defaults.
      const note = (await create(carol, newNote("carol's"))).body;
      const defaults = (await t.request("GET", "/api/v1/users/default/permissions", { token: admin.token })).body;
      const off = { ...defaults, features: { ...defaults.features, notes: false } };
      await t.request("POST", "/api/v1/users/default/permissions", { token: admin.token, body: off });
      try {
        const before = await stored(note.id);
        for (const res of [await create(carol, newNote("no")), await update(carol, note.id, { title: "no" }), await remove(carol, note.id)]) {
          expect(res.status).toBe(401);
          expect(res.body.detail).toBe("401 Unauthorized");
        }
        expect(await stored(note.id)).toEqual(before);
      } finally {
        await t.request("POST", "/api/v1/users/default/permissions", { token: admin.token, body: defaults });
      }
    });

    test("bad input is a 4xx with detail and changes nothing", async () => {
      const note = (await create(alice, newNote("keep"))).body;
      const before = await stored(note.id);
      const bad: unknown[] = [{}, { title: 5 }, { title: "x", data: [1] }, { title: "x", meta: "m" }, { title: "x", access_control: [1] }, { title: "x", access_control: { read: 5 } }, "text"];
      for (const body of bad) {
        for (const res of [await create(alice, body), await update(alice, note.id, body)]) {
          expect({ body, status: res.status }).toEqual({ body, status: 422 });
          expect(res.body.detail).toBeDefined();
        }
      }
      // data or meta sent as null cannot be merged: 400, as the reference.
      for (const body of [{ title: "x", data: null }, { title: "x", meta: null }]) {
        const res = await update(alice, note.id, body);
        expect(res.status).toBe(400);
        expect(res.body.detail).toBe("Something went wrong :/");
      }
      expect(await stored(note.id)).toEqual(before);
      expect((await titles(alice, "/list")).filter((title: string) => title === "x")).toEqual([]);
    });
  });
}
