// Both vector stores pass the same behaviour tests.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { PgvectorStore } from "../../src/retrieval/vector/pgvector";
import { SqliteVectorStore } from "../../src/retrieval/vector/sqlite";
import type { VectorItem, VectorStore } from "../../src/retrieval/vector/types";
import { createTestDatabase, type TestDatabase } from "../support/databases";
import { storeKinds } from "../support/vector-stores";

const item = (id: string, text: string, vector: number[] | null, metadata: Record<string, unknown> = {}): VectorItem => ({
  id,
  text,
  vector,
  metadata: { file_id: "f1", ...metadata },
});

for (const kind of storeKinds) {
  describe(`${kind} vector store`, () => {
    let database: TestDatabase;
    let store: VectorStore;

    beforeAll(async () => {
      database = await createTestDatabase(kind === "sqlite" ? "sqlite" : "postgres");
      store =
        kind === "sqlite"
          ? new SqliteVectorStore(join(database.dataDir, "vector_db", "vectors.db"))
          : new PgvectorStore({ url: database.url, dimension: 8, createExtension: true });
    });

    afterAll(async () => {
      await store.close();
      await database.drop();
    });

    test("insert, has, get, query by metadata, delete", async () => {
      await store.insert("c1", [
        item("a", "alpha text", [1, 0, 0, 0], { hash: "h1", nested: { x: 1 } }),
        item("b", "beta text", [0, 1, 0, 0], { hash: "h2" }),
      ]);
      expect(await store.hasCollection("c1")).toBe(true);
      expect(await store.hasCollection("c2")).toBe(false);
      const all = await store.get("c1");
      expect(all.map((c) => c.id).sort()).toEqual(["a", "b"]);
      expect(all.find((c) => c.id === "a")?.metadata).toEqual({ file_id: "f1", hash: "h1", nested: '{"x":1}' });
      expect((await store.query("c1", { hash: "h2" })).map((c) => c.text)).toEqual(["beta text"]);
      expect(await store.query("c1", { hash: "nope" })).toEqual([]);
      await store.delete("c1", { filter: { hash: "h1" } });
      expect((await store.get("c1")).map((c) => c.id)).toEqual(["b"]);
      await store.deleteCollection("c1");
      expect(await store.hasCollection("c1")).toBe(false);
    });

    test("vector search ranks by cosine similarity, scores in [0, 1], scoped to the collection", async () => {
      await store.insert("c3", [
        item("x", "east", [1, 0, 0, 0]),
        item("y", "north", [0, 1, 0, 0]),
        item("z", "north-east", [1, 1, 0, 0]),
        item("n", "no vector", null),
      ]);
      await store.insert("other", [item("o", "east too", [1, 0, 0, 0])]);
      const hits = await store.search("c3", [1, 0.1, 0, 0], 2);
      expect(hits.map((h) => h.id)).toEqual(["x", "z"]);
      expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
      for (const hit of hits) expect(hit.score).toBeGreaterThanOrEqual(0);
      expect(hits[0]!.score).toBeLessThanOrEqual(1.000001);
      expect((await store.search("c3", [0, 1, 0, 0], 10)).map((h) => h.id)).not.toContain("n");
      expect(await store.search("missing", [1, 0, 0, 0], 3)).toEqual([]);
      const vectors = await store.vectors("c3", ["x", "n"]);
      expect([...vectors.keys()]).toEqual(["x"]);
    });

    test("full-text search finds chunks without vectors, best match first", async () => {
      await store.insert("t1", [
        item("p1", "The zebra crossed the savanna at dawn.", null),
        item("p2", "Giraffes eat leaves from tall trees.", null),
        item("p3", "A zebra and a giraffe met a zebra herd.", null),
      ]);
      const hits = await store.textSearch("t1", "zebra herd?", 5);
      expect(hits.map((h) => h.id).sort()).toEqual(["p1", "p3"]);
      expect(hits[0]!.id).toBe("p3");
      expect(hits[0]!.score).toBe(1);
      expect(await store.textSearch("t1", "!!! ???", 5)).toEqual([]);
      expect(await store.textSearch("t2", "zebra", 5)).toEqual([]);
    });

    test("upsert replaces, reset empties everything", async () => {
      await store.insert("u1", [item("u", "first", [1, 0, 0, 0])]);
      await store.insert("u1", [item("u", "ignored duplicate id", [1, 0, 0, 0])]);
      expect((await store.get("u1")).map((c) => c.text)).toEqual(["first"]);
      await store.upsert("u1", [item("u", "second", [0, 1, 0, 0])]);
      expect((await store.get("u1")).map((c) => c.text)).toEqual(["second"]);
      await store.reset();
      expect(await store.hasCollection("u1")).toBe(false);
      expect(await store.hasCollection("c3")).toBe(false);
    });
  });
}

describe("embedded store cache", () => {
  test("a search sees chunks written by another connection to the same file", async () => {
    const database = await createTestDatabase("sqlite");
    const path = join(database.dataDir, "vector_db", "vectors.db");
    const first = new SqliteVectorStore(path);
    const second = new SqliteVectorStore(path);
    try {
      await first.insert("shared", [item("a", "a", [1, 0, 0, 0])]);
      expect((await first.search("shared", [0, 1, 0, 0], 5)).map((h) => h.id)).toEqual(["a"]);
      await second.insert("shared", [item("b", "b", [0, 1, 0, 0])]);
      expect((await first.search("shared", [0, 1, 0, 0], 5)).map((h) => h.id)).toEqual(["b", "a"]);
      await first.delete("shared", { ids: ["b"] });
      expect((await first.search("shared", [0, 1, 0, 0], 5)).map((h) => h.id)).toEqual(["a"]);
    } finally {
      await first.close();
      await second.close();
      await database.drop();
    }
  });
});
