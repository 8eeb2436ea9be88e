// /api/v1/memories on both databases: each user's own rows; another user's memories can be
// neither changed nor deleted; they are mirrored into a vector collection and searched there.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestApp, type TestApp } from "../support/app";
import { addUser, signUp, type Account } from "../support/accounts";
import { dialects } from "../support/databases";
import { startFakeEmbedder, type FakeEmbedder } from "../fakes/embeddings";
import { retrieval } from "../../src/retrieval/services";
import { memoryCollection } from "../../src/memories/vectors";

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

    test("GET /ef, the unauthenticated embedding debug route, is absent", async () => {
      expect((await t.request("GET", "/api/v1/memories/ef")).status).toBe(404);
    });

    test("without an embedding engine, query finds memories by their words; reset answers true", async () => {
      const carol = await addUser(t, admin, "carol@example.com");
      const none = await t.request("POST", "/api/v1/memories/query", { token: carol.token, body: { content: "anything" } });
      expect(none.status).toBe(404);
      expect(none.body.detail).toBe("No memories found for user");
      await add(carol, "My sister lives in Lyon");
      await add(carol, "I prefer short answers");
      const found = await t.request("POST", "/api/v1/memories/query", { token: carol.token, body: { content: "Where is Lyon?" } });
      expect(found.status).toBe(200);
      expect(found.body.documents).toEqual([["My sister lives in Lyon"]]);
      const reset = await t.request("POST", "/api/v1/memories/reset", { token: carol.token });
      expect(reset.body).toBe(true);
    });
  });
}

// Memories mirrored into `user-memory-<id>` and searched by meaning, with a fake embedding upstream.
for (const dialect of dialects) {
  describe(`${dialect}: memory search`, () => {
    let t: TestApp;
    let embedder: FakeEmbedder;
    let admin: Account;
    let alice: Account;
    let bob: Account;

    const add = async (who: Account, content: string) =>
      (await t.request("POST", "/api/v1/memories/add", { token: who.token, body: { content } })).body;
    const query = (who: Account, content: string, k?: number) =>
      t.request("POST", "/api/v1/memories/query", { token: who.token, body: k === undefined ? { content } : { content, k } });

    beforeAll(async () => {
      embedder = startFakeEmbedder();
      t = await startTestApp(dialect, {
        RAG_EMBEDDING_ENGINE: "openai",
        RAG_EMBEDDING_MODEL: "fake-embedder",
        RAG_OPENAI_API_BASE_URL: `${embedder.url}/v1`,
        RAG_OPENAI_API_KEY: "sk-fake",
      });
      admin = await signUp(t, "admin@example.com", "pw", "Admin");
      alice = await addUser(t, admin, "alice@example.com");
      bob = await addUser(t, admin, "bob@example.com");
    }, 30_000);
    afterAll(async () => {
      await t.close();
      await t.database.drop();
      embedder.stop();
    });

    test("add, update and delete keep the collection in step; query answers the reference's SearchResult", async () => {
      const tea = await add(alice, "I like green tea in the morning");
      const city = await add(alice, "I live in Lyon near the river");
      const dog = await add(alice, "My dog is called Rex");
      expect(embedder.calls.some((c) => c.inputs.includes("My dog is called Rex"))).toBe(true);

      const res = await query(alice, "which tea do I like");
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(["distances", "documents", "ids", "metadatas"]);
      expect(res.body.ids).toEqual([[tea.id]]);
      expect(res.body.documents).toEqual([["I like green tea in the morning"]]);
      expect(res.body.metadatas[0][0].created_at).toBe(tea.created_at);
      expect(res.body.distances[0][0]).toBeGreaterThan(0);

      await t.request("POST", `/api/v1/memories/${city.id}/update`, { token: alice.token, body: { content: "I live in Paris now" } });
      const moved = await query(alice, "Paris", 1);
      expect(moved.body.documents).toEqual([["I live in Paris now"]]);
      expect(moved.body.metadatas[0][0].updated_at).toBeDefined();

      await t.request("DELETE", `/api/v1/memories/${dog.id}`, { token: alice.token });
      const dogs = await query(alice, "dog called Rex", 3);
      expect(dogs.body.ids[0]).not.toContain(dog.id);
      expect(dogs.body.ids[0].length).toBe(2);
    });

    test("a user's query never reaches another user's memories", async () => {
      await add(bob, "I play the cello");
      const res = await query(bob, "green tea Lyon Paris dog", 5);
      expect(res.body.documents).toEqual([["I play the cello"]]);
    });

    test("reset rebuilds the collection from the rows", async () => {
      const { store } = retrieval(t.ctx);
      const collection = memoryCollection(alice.id);
      await store.upsert(collection, [{ id: crypto.randomUUID(), text: "a stray chunk about tea", vector: null, metadata: {} }]);
      const reset = await t.request("POST", "/api/v1/memories/reset", { token: alice.token });
      expect(reset.body).toBe(true);
      const rows = (await t.request("GET", "/api/v1/memories/", { token: alice.token })).body;
      const chunks = await store.get(collection);
      expect(chunks.map((c) => c.id).sort()).toEqual(rows.map((r: any) => r.id).sort());
      expect(chunks.every((c) => c.metadata.updated_at !== undefined)).toBe(true);
      const again = await query(alice, "which tea do I like");
      expect(again.body.documents).toEqual([["I like green tea in the morning"]]);
    });

    test("memories present only as rows (written by the Python backend) are indexed on the first query", async () => {
      const dave = await addUser(t, admin, "dave@example.com");
      const now = Math.floor(Date.now() / 1000);
      const id = crypto.randomUUID();
      await t.ctx.db.execute(
        `INSERT INTO memory (id, user_id, content, updated_at, created_at) VALUES ('${id}', '${dave.id}', 'I collect old maps', ${now}, ${now})`,
      );
      const res = await query(dave, "old maps", 1);
      expect(res.body.ids).toEqual([[id]]);
    });

    test("an embedding failure keeps the memory; it is then found by its words", async () => {
      embedder.failWith(500);
      try {
        const saved = await add(bob, "My favourite composer is Bach");
        expect(saved.content).toBe("My favourite composer is Bach");
        const found = await query(bob, "Bach", 1);
        expect(found.status).toBe(200);
        expect(found.body.documents).toEqual([["My favourite composer is Bach"]]);
      } finally {
        embedder.failWith(0);
      }
    });

    test("delete/user drops the collection", async () => {
      const { store } = retrieval(t.ctx);
      expect(await store.hasCollection(memoryCollection(bob.id))).toBe(true);
      await t.request("DELETE", "/api/v1/memories/delete/user", { token: bob.token });
      expect(await store.hasCollection(memoryCollection(bob.id))).toBe(false);
      expect((await query(bob, "cello")).status).toBe(404);
    });

    test("bad query input is a 422", async () => {
      for (const body of [{}, { content: 1 }, { content: "x", k: 0 }, { content: "x", k: "two" }]) {
        const res = await t.request("POST", "/api/v1/memories/query", { token: alice.token, body });
        expect(res.status).toBe(422);
      }
    });
  });
}
