// /api/v1/memories on both databases: each user's own rows; another user's memories can be
// neither changed nor deleted; the vector-index routes are absent.
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

    const add = (who: Account, content: string) => t.request("POST", "/api/v1/memories/add", { token: who.token, body: { content } });
    const list = async (who: Account) => (await t.request("GET", "/api/v1/memories/", { token: who.token })).body;

    beforeAll(async () => {
      t = await startTestApp(dialect);
      admin = await signUp(t, "admin@example.com", "pw", "Admin");
      alice = await addUser(t, admin, "alice@example.com");
      bob = await addUser(t, admin, "bob@example.com");
    }, 30_000);
    afterAll(async () => {
      await t.close();
      await t.database.drop();
    });

    test("add, list, update and delete my memories", async () => {
      const first = await add(alice, "I like tea");
      expect(first.status).toBe(200);
      expect(Object.keys(first.body).sort()).toEqual(["content", "created_at", "id", "updated_at", "user_id"]);
      expect(first.body).toMatchObject({ user_id: alice.id, content: "I like tea" });
      expect(first.body.id).toMatch(/^[0-9a-f-]{36}$/);
      const second = (await add(alice, "I live in Lyon")).body;
      expect((await list(alice)).map((m: any) => m.content)).toEqual(["I like tea", "I live in Lyon"]);

      const updated = await t.request("POST", `/api/v1/memories/${first.body.id}/update`, {
        token: alice.token,
        body: { content: "I like green tea" },
      });
      expect(updated.status).toBe(200);
      expect(updated.body).toMatchObject({ id: first.body.id, content: "I like green tea", created_at: first.body.created_at });

      const deleted = await t.request("DELETE", `/api/v1/memories/${second.id}`, { token: alice.token });
      expect(deleted.body).toBe(true);
      expect((await list(alice)).map((m: any) => m.content)).toEqual(["I like green tea"]);
      // Deleting what is not there answers false, as the reference.
      expect((await t.request("DELETE", `/api/v1/memories/${second.id}`, { token: alice.token })).body).toBe(false);
    });

    test("another user cannot see, change or delete my memories, and nothing changes", async () => {
      const mine = (await add(alice, "private thought")).body;
      const before = await list(alice);
      expect((await list(bob)).map((m: any) => m.id)).not.toContain(mine.id);

      for (const who of [bob, admin]) {
        const update = await t.request("POST", `/api/v1/memories/${mine.id}/update`, { token: who.token, body: { content: "hijacked" } });
        expect(update.status).toBe(404);
        expect(update.body.detail).toBe("Memory not found");
        const remove = await t.request("DELETE", `/api/v1/memories/${mine.id}`, { token: who.token });
        expect(remove.status).toBe(200);
        expect(remove.body).toBe(false);
        // "Delete all" is always the caller's own.
        expect((await t.request("DELETE", "/api/v1/memories/delete/user", { token: who.token })).body).toBe(true);
      }
      expect(await list(alice)).toEqual(before);
    });

    test("delete/user removes all of mine and only mine", async () => {
      await add(bob, "bob's memory");
      await add(alice, "another");
      const res = await t.request("DELETE", "/api/v1/memories/delete/user", { token: alice.token });
      expect(res.status).toBe(200);
      expect(res.body).toBe(true);
      expect(await list(alice)).toEqual([]);
      expect((await list(bob)).map((m: any) => m.content)).toEqual(["bob's memory"]);
    });

    test("an update without content changes nothing (the reference answers not found)", async () => {
      const memory = (await add(bob, "keep me")).body;
      for (const body of [{}, { content: null }]) {
        const res = await t.request("POST", `/api/v1/memories/${memory.id}/update`, { token: bob.token, body });
        expect(res.status).toBe(404);
      }
      expect((await list(bob)).find((m: any) => m.id === memory.id).content).toBe("keep me");
    });

    test("bad input is a 422 with a detail", async () => {
      for (const body of [{}, { content: 5 }, { content: ["a"] }, "nonsense"]) {
        const res = await t.request("POST", "/api/v1/memories/add", { token: alice.token, body });
        expect(res.status).toBe(422);
        expect(res.body.detail).toBeDefined();
      }
      const memory = (await add(alice, "typed")).body;
      const res = await t.request("POST", `/api/v1/memories/${memory.id}/update`, { token: alice.token, body: { content: 7 } });
      expect(res.status).toBe(422);
      expect((await list(alice)).find((m: any) => m.id === memory.id).content).toBe("typed");
    });

    test("the vector-index routes are absent", async () => {
      expect((await t.request("GET", "/api/v1/memories/ef")).status).toBe(404);
      expect((await t.request("POST", "/api/v1/memories/query", { token: alice.token, body: { content: "tea" } })).status).toBe(404);
      expect((await t.request("POST", "/api/v1/memories/reset", { token: alice.token })).status).toBe(404);
    });
  });
}
