// /api/v1/prompts on both databases: the six routes, access control (public, private, shared with
// a group, shared with a user), the workspace.prompts permission, other users' prompts, bad input.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openTestApp, startTestApp, type TestApp } from "../support/app";
import { addUser, signUp, type Account } from "../support/accounts";
import { dialects } from "../support/databases";
import { createGroup, grants } from "../support/workspace";

const PROMPT_KEYS = ["access_control", "command", "content", "timestamp", "title", "user_id"];

for (const dialect of dialects) {
  describe(dialect, () => {
    let t: TestApp;
    let admin: Account;
    let alice: Account;
    let bob: Account;
    let carol: Account;
    let team: string;

    const create = (who: Account, body: Record<string, unknown>) => t.request("POST", "/api/v1/prompts/create", { token: who.token, body });
    const get = (who: Account, command: string) => t.request("GET", `/api/v1/prompts/command/${command}`, { token: who.token });
    const commands = async (who: Account, path: "/" | "/list") =>
      (await t.request("GET", `/api/v1/prompts${path}`, { token: who.token })).body.map((p: any) => p.command).sort();

    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = await signUp(t, "admin@example.com", "pw", "Admin");
      alice = await addUser(t, admin, "alice@example.com");
      bob = await addUser(t, admin, "bob@example.com");
      carol = await addUser(t, admin, "carol@example.com");
      // Alice and Bob may create prompts through their group; Carol may not.
      team = await createGroup(t, admin, "Team", [alice, bob], { workspace: { prompts: true } });
    }, 30_000);
    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    test("create, read, update and delete, in the reference's shapes", async () => {
      const created = await create(alice, { command: "/summarize", title: "Summarize", content: "Sum up {{CLIPBOARD}}", access_control: {} });
      expect(created.status).toBe(200);
      expect(Object.keys(created.body).sort()).toEqual(PROMPT_KEYS);
      expect(created.body).toMatchObject({ command: "/summarize", user_id: alice.id, title: "Summarize", access_control: {} });
      expect(Math.abs(created.body.timestamp - Date.now() / 1000)).toBeLessThan(5);

      const read = await get(alice, "summarize");
      expect(read.body).toEqual(created.body);

      const list = await t.request("GET", "/api/v1/prompts/list", { token: alice.token });
      const mine = list.body.find((p: any) => p.command === "/summarize");
      expect(mine.user).toEqual({ id: alice.id, name: "alice", email: "alice@example.com", role: "user", profile_image_url: "/user.png" });

      const updated = await t.request("POST", "/api/v1/prompts/command/summarize/update", {
        token: alice.token,
        body: { command: "/renamed-is-ignored", title: "Summary", content: "Shorter", access_control: null },
      });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ command: "/summarize", title: "Summary", content: "Shorter", access_control: null });
      expect((await get(alice, "renamed-is-ignored")).status).toBe(401);

      const deleted = await t.request("DELETE", "/api/v1/prompts/command/summarize/delete", { token: alice.token });
      expect(deleted.status).toBe(200);
      expect(deleted.body).toBe(true);
      const gone = await get(alice, "summarize");
      expect(gone.status).toBe(401);
      expect(gone.body.detail).toBe("We could not find what you're looking for :/");
    });

    test("a command is stored with one leading slash and is unique", async () => {
      const bare = await create(alice, { command: "greet", title: "Greet", content: "Hello" });
      expect(bare.body.command).toBe("/greet");
      const taken = await create(bob, { command: "/greet", title: "Other", content: "x" });
      expect(taken.status).toBe(400);
      expect(taken.body.detail).toBe("Uh-oh! This command is already registered. Please choose another command string.");
      expect((await get(alice, "greet")).body).toMatchObject({ user_id: alice.id, title: "Greet" });

      // The hidden integer key is numbered by the database, never by us.
      const ids = await t.ctx.db.execute(`SELECT id, command FROM prompt ORDER BY id`);
      expect(ids.every((row) => Number.isInteger(Number(row.id)) && Number(row.id) > 0)).toBe(true);
      expect(new Set(ids.map((row) => Number(row.id))).size).toBe(ids.length);
    });

    test("concurrent creates of one command: one wins, the others are told it is taken", async () => {
      const results = await Promise.all(
        [alice, bob, alice, bob].map((who, i) => create(who, { command: "/race", title: `try ${i}`, content: "x" })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400, 400]);
      const rows = await t.ctx.db.execute(`SELECT command FROM prompt WHERE command = '/race'`);
      expect(rows.length).toBe(1);
    });

    test("creating needs workspace.prompts unless admin", async () => {
      const refused = await create(carol, { command: "/carol", title: "C", content: "c" });
      expect(refused.status).toBe(401);
      expect(refused.body.detail).toBe("401 Unauthorized");
      expect((await get(admin, "carol")).status).toBe(401);
      expect((await create(admin, { command: "/by-admin", title: "A", content: "a" })).status).toBe(200);
    });

    test("access control: public, private, shared with a group, shared with a user", async () => {
      await create(alice, { command: "/public", title: "P", content: "p", access_control: null });
      await create(alice, { command: "/private", title: "P", content: "p", access_control: {} });
      await create(alice, { command: "/team-read", title: "T", content: "t", access_control: grants({ groups: [team] }) });
      await create(alice, { command: "/carol-write", title: "W", content: "w", access_control: grants({}, { users: [carol.id] }) });
      await create(alice, { command: "/carol-read", title: "R", content: "r", access_control: grants({ users: [carol.id] }) });

      // Bob is in the team; Carol is not but is named in two prompts.
      const bobReads = await commands(bob, "/");
      expect(bobReads).toContain("/public");
      expect(bobReads).toContain("/team-read");
      expect(bobReads).not.toContain("/private");
      expect(bobReads).not.toContain("/carol-read");
      const carolReads = await commands(carol, "/");
      expect(carolReads).toContain("/public");
      expect(carolReads).toContain("/carol-read");
      expect(carolReads).not.toContain("/team-read");
      // "write" does not imply "read" in Open WebUI's rule.
      expect(carolReads).not.toContain("/carol-write");
      expect(await commands(carol, "/list")).toEqual(["/carol-write"]);
      expect(await commands(bob, "/list")).not.toContain("/public");

      expect((await get(bob, "team-read")).body.command).toBe("/team-read");
      expect((await get(carol, "public")).body.command).toBe("/public");
      // A prompt the caller may not read answers 200 null, as the reference.
      const hidden = await get(bob, "private");
      expect(hidden.status).toBe(200);
      expect(hidden.body).toBeNull();

      // Carol may change the prompt she may write, though she cannot create prompts.
      const edited = await t.request("POST", "/api/v1/prompts/command/carol-write/update", {
        token: carol.token,
        body: { command: "/carol-write", title: "Edited by Carol", content: "w2", access_control: grants({}, { users: [carol.id] }) },
      });
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({ title: "Edited by Carol", user_id: alice.id });

      // Admins see and may change everything.
      const adminList = await commands(admin, "/list");
      for (const c of ["/public", "/private", "/team-read", "/carol-write"]) expect(adminList).toContain(c);
      expect((await get(admin, "private")).body.command).toBe("/private");
    });

    test("another user cannot change or delete a prompt it may only read, and nothing changes", async () => {
      await create(alice, { command: "/guarded", title: "Guarded", content: "g", access_control: grants({ groups: [team] }) });
      const before = (await get(alice, "guarded")).body;
      for (const who of [bob, carol]) {
        const update = await t.request("POST", "/api/v1/prompts/command/guarded/update", {
          token: who.token,
          body: { command: "/guarded", title: "Hijacked", content: "x", access_control: null },
        });
        expect(update.status).toBe(401);
        expect(update.body.detail).toBe(
          "You do not have permission to access this resource. Please contact your administrator for assistance.",
        );
        const remove = await t.request("DELETE", "/api/v1/prompts/command/guarded/delete", { token: who.token });
        expect(remove.status).toBe(401);
      }
      expect((await get(alice, "guarded")).body).toEqual(before);
    });

    test("without the admin bypass, an admin's lists hold only what it may reach", async () => {
      const strict = await openTestApp(t.database, { BYPASS_ADMIN_ACCESS_CONTROL: "false" });
      try {
        await create(alice, { command: "/alice-only", title: "H", content: "h", access_control: {} });
        const listed = await strict.request("GET", "/api/v1/prompts/", { token: admin.token });
        expect(listed.body.map((p: any) => p.command)).not.toContain("/alice-only");
        expect((await strict.request("GET", "/api/v1/prompts/list", { token: admin.token })).body.map((p: any) => p.command)).toEqual(
          ["/by-admin"],
        );
        // Reading, changing or deleting one by command still lets an admin through, as the reference.
        expect((await strict.request("GET", "/api/v1/prompts/command/alice-only", { token: admin.token })).body.command).toBe("/alice-only");
      } finally {
        await strict.close();
      }
    });

    test("commands in URLs are decoded", async () => {
      await create(alice, { command: "/with space", title: "S", content: "s" });
      expect((await get(alice, "with%20space")).body.command).toBe("/with space");
    });

    test("bad input is a 4xx with a detail, and stores nothing", async () => {
      const cases: unknown[] = [
        { title: "no command", content: "x" },
        { command: "/x", content: "no title" },
        { command: 5, title: "t", content: "c" },
        { command: "/a/b", title: "t", content: "c" },
        { command: "/", title: "t", content: "c" },
        { command: "/bad-ac", title: "t", content: "c", access_control: [1] },
        { command: "/bad-grant", title: "t", content: "c", access_control: { read: null } },
        "not json",
      ];
      for (const body of cases) {
        const res = await create(admin, body as Record<string, unknown>);
        expect(res.status).toBe(422);
        expect(res.body.detail).toBeDefined();
      }
      const update = await t.request("POST", "/api/v1/prompts/command/greet/update", { token: alice.token, body: { title: 1 } });
      expect(update.status).toBe(422);
      expect((await get(alice, "greet")).body.title).toBe("Greet");
      const stored = await t.ctx.db.execute(`SELECT command FROM prompt WHERE command IN ('/x', '/a/b', '/', '/bad-ac', '/bad-grant')`);
      expect(stored).toEqual([]);
    });
  });
}
